package io.nodedns.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DotServer;
import io.nodedns.testing.TestCa;
import io.nodedns.tls.TlsContexts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The TLS pool under a burst on a cold pool: handshakes are capped, every query still answered. */
class TcpPoolTlsTest {
    @Test
    void aBurstOnAColdPoolRunsAtMostFourHandshakesAtOnce(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa("burst CA");
        TestCa.Issued cert = ca.issue("dns.test", List.of("dns.test"), List.of());
        TlsClient client = new TlsClient(TlsContexts.context(null, null, ca.writeCa(dir.resolve("ca.crt"))),
                "dns.test");
        try (DotServer dot = new DotServer(cert.context(), false).delay(20)) {
            TcpPool pool = new TcpPool(new InetSocketAddress(InetAddress.getLoopbackAddress(), dot.port()),
                    new ConnOptions(Duration.ofSeconds(10), Duration.ZERO, 0, null), client);
            AtomicInteger answered = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int id = 1000 + i;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        Message q = Message
                                .newQuery(Record.newRecord(Name.fromString("b" + id + ".example."), Type.A, 1));
                        q.getHeader().setID(id);
                        byte[] wire = q.toWire();
                        int n = pool.exchange(wire, wire.length, id, new byte[65535],
                                System.nanoTime() + 10_000_000_000L);
                        if (n > 0) {
                            answered.incrementAndGet();
                        }
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(40, answered.get());
            assertTrue(dot.maxConcurrentHandshakes() <= TcpPool.MAX_TLS_DIALS,
                    dot.maxConcurrentHandshakes() + " at once");
            assertEquals(pool.misses(), dot.handshakes());
            assertEquals(40, pool.hits() + pool.misses());
            pool.close();
        }
    }
}
