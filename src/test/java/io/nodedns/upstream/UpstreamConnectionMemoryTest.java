package io.nodedns.upstream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DotServer;
import io.nodedns.testing.Heap;
import io.nodedns.testing.TestCa;
import io.nodedns.tls.TlsContexts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * What a cached connection to an upstream holds on the heap (docs/operations.md), DNS over TLS
 * and plain TCP: up to 64 connections made at once (the server holds each reply), left idle in the
 * pool, measured after the server side is gone so only the client's part is counted.
 */
class UpstreamConnectionMemoryTest {
    static final int CONNECTIONS = 64;
    /** The documented bound per idle TLS connection. */
    static final long MAX_BYTES_PER_CONNECTION = 48 * 1024;

    @Test
    void anIdleTlsConnectionCostsLittleHeap(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TestCa ca = new TestCa("memory test CA");
        TestCa.Issued cert = ca.issue("dns.test", List.of("dns.test"), List.of());
        TlsClient client = new TlsClient(TlsContexts.context(null, null, ca.writeCa(dir.resolve("ca.crt"))),
                "dns.test");
        DotServer dot = new DotServer(cert.context(), false).delay(1000); // TLS dials run 4 at a time: hold replies longer
        InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), dot.port());
        long per = perConnection(
                new TcpPool(addr, new ConnOptions(Duration.ofMinutes(5), Duration.ZERO, 0, null), client),
                dot, "DNS-over-TLS");
        assertTrue(per < MAX_BYTES_PER_CONNECTION, per + " bytes per connection");
    }

    @Test
    void anIdlePlainTcpConnectionCostsLessThanABuffer() throws Exception {
        io.nodedns.testing.FakeUpstream up = io.nodedns.testing.FakeUpstream.start().behaviour((q, out) -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.answer();
        });
        long per = perConnection(
                new TcpPool(up.address(), new ConnOptions(Duration.ofMinutes(5), Duration.ZERO, 0, null)),
                up, "plain TCP");
        assertTrue(per < 4096, per + " bytes per connection (a 64 KiB write buffer each no more)");
    }

    private static long perConnection(TcpPool pool, AutoCloseable server, String what) throws Exception {
        exchange(pool, 1); // warm the classes (and TLS's session cache) before the baseline
        long before = Heap.usedAfterGc();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            int id = 100 + i;
            threads.add(Thread.ofVirtual().start(() -> exchange(pool, id)));
        }
        for (Thread t : threads) {
            t.join();
        }
        // on a busy machine a few threads find a connection already returned: count what was made
        int made = pool.idleCount() - 1;
        assertTrue(made >= CONNECTIONS / 4, made + " connections");
        server.close(); // the server's half of each connection becomes garbage; the pool still holds ours
        long after = Heap.usedAfterGc();
        long per = (after - before) / made;
        System.out.println("idle " + what + " connection: " + per + " bytes of heap each (" + made + " connections)");
        pool.close();
        return per;
    }

    private static void exchange(TcpPool pool, int id) {
        try {
            Message q = Message.newQuery(Record.newRecord(Name.fromString("m" + id + ".example."), Type.A, 1));
            q.getHeader().setID(id);
            byte[] wire = q.toWire();
            byte[] reply = new byte[65535];
            pool.exchange(wire, wire.length, id, reply, System.nanoTime() + 10_000_000_000L);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
