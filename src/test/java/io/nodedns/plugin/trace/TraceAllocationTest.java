package io.nodedns.plugin.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * What trace costs the UDP loop: nothing for a query not sampled (one atomic increment), and a
 * measured, bounded amount for a sampled one (its hook, the span's strings and record, a backlog slot).
 */
class TraceAllocationTest {
    private static final int CLIENTS = 100;

    @Test
    void unsampledQueriesAllocateNothingOnTheLoop() throws Exception {
        try (ZipkinCollector collector = new ZipkinCollector()) {
            double unsampled = perQuery("every 1000000000", collector);
            double sampled = perQuery("every 1", collector);
            System.out.printf("trace: %.4f B per query not sampled, %.0f B per sampled query (UDP loop)%n", unsampled,
                    sampled);
            assertTrue(unsampled < 0.01, "allocated " + unsampled + " bytes per query not sampled");
            assertTrue(sampled > 0 && sampled < 4096, "a sampled query allocates its span: " + sampled + " B");
        }
    }

    private static double perQuery(String every, ZipkinCollector collector) throws Exception {
        int port = FreePorts.udpAndTcp();
        byte[] query = DnsClient.query("example.org", Type.A).toWire();
        try (TestServer server = TestServer.fromText("""
                .:%d {
                    multisocket 1
                    trace %s {
                        %s
                        zipkin_max_batch_interval 10ms
                    }
                    hosts {
                        192.0.2.1 example.org
                    }
                }
                """.formatted(port, collector.hostPort(), every))) {
            assertTrue(server.firstLoop().nativeIo(), "the recvmmsg/sendmmsg path is in use on Linux");
            long loopThread = loopThread("nodedns-udp-dns://:" + port);
            DatagramSocket[] clients = new DatagramSocket[CLIENTS];
            for (int i = 0; i < CLIENTS; i++) {
                clients[i] = new DatagramSocket();
                clients[i].setSoTimeout(2000);
            }
            try {
                int lost = rounds(clients, query, port, 50); // warm-up: JIT, pools
                var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                double best = Double.MAX_VALUE;
                for (int w = 0; w < 5; w++) {
                    long before = mx.getThreadAllocatedBytes(loopThread);
                    lost += rounds(clients, query, port, 25);
                    best = Math.min(best, (mx.getThreadAllocatedBytes(loopThread) - before) / (CLIENTS * 25.0));
                }
                assertEquals(0, lost, "every query answered");
                return best;
            } finally {
                for (DatagramSocket c : clients) {
                    c.close();
                }
            }
        }
    }

    private static long loopThread(String prefix) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                return t.threadId();
            }
        }
        throw new IllegalStateException("no thread named " + prefix + "*");
    }

    private static int rounds(DatagramSocket[] clients, byte[] q, int port, int rounds) throws Exception {
        InetAddress to = InetAddress.getLoopbackAddress();
        int lost = 0;
        byte[] buf = new byte[512];
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        for (int r = 0; r < rounds; r++) {
            for (DatagramSocket c : clients) {
                c.send(new DatagramPacket(q, q.length, to, port));
            }
            for (DatagramSocket c : clients) {
                try {
                    c.receive(in);
                } catch (SocketTimeoutException e) {
                    lost++;
                }
            }
        }
        return lost;
    }
}
