package io.nodedns.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The TCP connection cache (CoreDNS plugin/pkg/proxy/persistent.go). */
class TcpPoolTest {
    private static final ConnOptions SHORT = new ConnOptions(Duration.ofMillis(200), Duration.ZERO, 0, null);

    private static int exchange(TcpPool pool, int id) throws IOException {
        Message q = Message.newQuery(Record.newRecord(Name.fromString("pool.example.org."), Type.A, 1));
        q.getHeader().setID(id);
        byte[] wire = q.toWire();
        return pool.exchange(wire, wire.length, id, new byte[65535], System.nanoTime() + 2_000_000_000L);
    }

    @Test
    void connectionsAreReusedWithinExpireAndSweptAfter() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            TcpPool pool = new TcpPool(up.address(), SHORT);
            assertTrue(exchange(pool, 1) > 12);
            assertTrue(exchange(pool, 2) > 12);
            assertEquals(1, up.tcpConnectionsAccepted(), "reused");
            assertEquals(1, pool.hits());
            assertEquals(1, pool.misses());
            Thread.sleep(300);
            pool.sweep();
            assertEquals(0, pool.idleCount(), "idle past expire: closed by the sweeper");
            exchange(pool, 3);
            assertEquals(2, up.tcpConnectionsAccepted());
        }
    }

    @Test
    void maxIdleConnsLimitsWhatIsKept() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            TcpPool pool = new TcpPool(up.address(), new ConnOptions(Duration.ofSeconds(10), Duration.ZERO, 1, null));
            Thread[] threads = new Thread[4];
            up.behaviour((q, out) -> out.later(100, up.replyFor(q.message()).toWire()));
            for (int i = 0; i < threads.length; i++) {
                int id = i + 10;
                threads[i] = Thread.ofVirtual().start(() -> {
                    try {
                        exchange(pool, id);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(4, up.tcpConnectionsAccepted());
            assertEquals(1, pool.idleCount());
        }
    }

    @Test
    void maxAgeRetiresOldConnectionsEvenWhenBusy() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            TcpPool pool = new TcpPool(up.address(),
                    new ConnOptions(Duration.ofSeconds(10), Duration.ofMillis(150), 0, null));
            exchange(pool, 1);
            exchange(pool, 2);
            assertEquals(1, up.tcpConnectionsAccepted());
            Thread.sleep(200);
            exchange(pool, 3);
            assertEquals(2, up.tcpConnectionsAccepted(), "older than max_age: a new connection");
        }
    }

    @Test
    void aConnectionReturnedAfterCloseIsClosed() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            TcpPool pool = new TcpPool(up.address(), SHORT);
            up.behaviour((q, out) -> out.later(150, up.replyFor(q.message()).toWire()));
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    exchange(pool, 7);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(50);
            pool.close();
            t.join();
            assertEquals(0, pool.idleCount());
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (up.openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, up.openConnections());
        }
    }

    @Test
    void aCachedConnectionClosedByThePeerIsRetriedOnAFreshOne() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            TcpPool pool = new TcpPool(up.address(), ConnOptions.defaults());
            exchange(pool, 1);
            up.closeConnections();
            Thread.sleep(50);
            assertTrue(exchange(pool, 2) > 12);
            assertEquals(2, up.tcpConnectionsAccepted());
        }
    }

    @Test
    void refusedAndSilentUpstreamsFail() throws Exception {
        TcpPool refused = new TcpPool(new InetSocketAddress("127.0.0.1", FreePorts.udpAndTcp()), SHORT);
        IOException e = assertThrows(IOException.class, () -> exchange(refused, 1));
        assertTrue(e.getMessage().startsWith("dial tcp 127.0.0.1:"), e.getMessage());
        try (FakeUpstream up = FakeUpstream.start()) {
            up.behaviour((q, out) -> {});
            TcpPool pool = new TcpPool(up.address(), SHORT);
            Message q = Message.newQuery(Record.newRecord(Name.fromString("x."), Type.A, 1));
            byte[] wire = q.toWire();
            assertThrows(SocketTimeoutException.class, () -> pool.exchange(wire, wire.length, q.getHeader().getID(),
                    new byte[512], System.nanoTime() + 200_000_000L));
        }
    }
}
