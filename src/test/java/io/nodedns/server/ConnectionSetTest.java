package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection set's eviction and the acceptor's close, shared by DNS over TCP and TLS and the HTTP listeners. */
class ConnectionSetTest {
    /** A member that waited since {@code since} and whose evict() answers {@code evictable}. */
    private static final class Member implements ConnectionSet.Member {
        final long since;
        final boolean evictable;
        final AtomicBoolean closed = new AtomicBoolean();

        Member(long since, boolean evictable) {
            this.since = since;
            this.evictable = evictable;
        }

        @Override
        public long waitingSince() {
            return since;
        }

        @Override
        public boolean evict() {
            if (evictable) {
                closed.set(true);
            }
            return evictable;
        }

        @Override
        public void expireIfDue(long now) {}

        @Override
        public void close() {
            closed.set(true);
        }
    }

    /**
     * The longest-waiting member turned busy between the scan and its evict() (its waitingSince
     * not yet cleared): the next one is evicted instead of refusing the newcomer.
     */
    @Test
    void aFailedEvictionTriesTheNextLongestWaiting() {
        ConnectionSet<Member> set = new ConnectionSet<>();
        Member turnedBusy = new Member(1, false);
        Member waiting = new Member(2, true);
        for (Member m : new Member[]{turnedBusy, waiting}) {
            assertTrue(set.admit(2));
            set.add(m);
        }
        assertTrue(set.admit(2), "admitted while one still waits");
        assertTrue(waiting.closed.get(), "the next longest-waiting evicted");
        set.stop();
    }

    /**
     * A connection accepted just before close() and added to the set after close() stopped it
     * used to stay open with no reaper; close() now waits for the acceptor first.
     */
    @Test
    @Timeout(30)
    void closeWaitsForAConnectionBeingStarted() throws Exception {
        CountDownLatch starting = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        Member member = new Member(1, true);
        SocketAcceptor<Member> acceptor = new SocketAcceptor<>(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "test", "test") {
            @Override
            int maxConnections() {
                return 8;
            }

            @Override
            void startConnection(SocketChannel socket) throws IOException {
                starting.countDown();
                boolean interrupted = false;
                while (true) {
                    try {
                        proceed.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                connections.add(member);
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        acceptor.start();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), acceptor.localPort())) {
            assertTrue(starting.await(10, TimeUnit.SECONDS), "accepted");
            Thread closing = Thread.ofPlatform().start(acceptor::close);
            Thread.sleep(200); // close() has stopped accepting and would have closed the members by now
            proceed.countDown();
            closing.join(10_000);
            assertTrue(member.closed.get(), "the connection added during close() is closed");
        }
    }
}
