package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
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
        final AtomicBoolean evictable;
        final AtomicBoolean closed = new AtomicBoolean();

        Member(long since, boolean evictable) {
            this.since = since;
            this.evictable = new AtomicBoolean(evictable);
        }

        @Override
        public long waitingSince() {
            return since;
        }

        @Override
        public boolean evict() {
            boolean e = evictable.get();
            if (e) {
                closed.set(true);
            }
            return e;
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

    /**
     * At the cap, the one connection refuses eviction (as one whose first request still waits
     * unread in the kernel does) for 300 ms: the acceptor holds the newcomer and admits it once it
     * can, instead of closing it at once, which reset a kubelet probe behind a flood.
     */
    @Test
    @Timeout(30)
    void aNewcomerWaitsBrieflyForAConnectionToBecomeEvictable() throws Exception {
        Member first = new Member(1, false);
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch secondStarted = new CountDownLatch(1);
        SocketAcceptor<Member> acceptor = new SocketAcceptor<>(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "test", "test") {
            @Override
            int maxConnections() {
                return 1;
            }

            @Override
            void startConnection(SocketChannel socket) {
                if (firstStarted.getCount() > 0) {
                    connections.add(first);
                    firstStarted.countDown();
                } else {
                    connections.add(new Member(2, true));
                    secondStarted.countDown();
                }
            }
        };
        acceptor.start();
        try (Socket one = new Socket(InetAddress.getLoopbackAddress(), acceptor.localPort());
                Socket two = new Socket(InetAddress.getLoopbackAddress(), acceptor.localPort())) {
            assertTrue(firstStarted.await(10, TimeUnit.SECONDS), "the first admitted");
            Thread.sleep(300); // the acceptor has the second and finds the first unevictable
            assertFalse(secondStarted.getCount() == 0, "not admitted while the only connection refuses");
            first.evictable.set(true);
            assertTrue(secondStarted.await(10, TimeUnit.SECONDS), "admitted once the first can be evicted");
            assertTrue(first.closed.get(), "in the first's place");
        } finally {
            acceptor.close();
        }
    }
}
