package io.nodedns.plugin.autopath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.SelfLookup;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MetricValues;
import io.nodedns.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * What one autopath walk costs the server: an external name asked the ndots:5 way
 * ({@code example.com.default.svc.cluster.local}), three NXDOMAINs from a zone (as kubernetes gives
 * them) and the name as it is from hosts, so four self lookups per walk. The walks reuse the
 * pooled lookup exchanges (asserted); the heap allocated and the CPU spent by the server's threads
 * per walk are printed for docs/operations.md, not asserted (the machine's load decides them).
 */
class AutopathWalkCostTest {
    private static final String ASKED = "example.com.default.svc.cluster.local.";
    private static final int WARM_UP = 1000;
    private static final int WALKS = 3000;

    @TempDir
    Path dir;

    @Test
    void walksReuseTheirLookupExchanges() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path resolv = Files.writeString(dir.resolve("resolv.conf"),
                "search default.svc.cluster.local svc.cluster.local cluster.local\n");
        Path zone = Files.writeString(dir.resolve("db.cluster.local"), """
                $ORIGIN cluster.local.
                @       3600 IN SOA ns hostmaster 1 7200 3600 1209600 300
                        3600 IN NS  ns
                ns      3600 IN A   192.0.2.53
                """);
        try (TestServer server = TestServer.fromText("""
                .:%d {
                    bind 127.0.0.1
                    multisocket 1
                    autopath %s
                    hosts {
                        192.0.2.1 example.com
                        fallthrough
                    }
                    file %s cluster.local
                }
                """.formatted(port, resolv, zone));
                DnsClient client = new DnsClient(port)) {
            byte[] query = DnsClient.query(ASKED, Type.A).toWire();
            for (int i = 0; i < WARM_UP; i++) {
                walk(client, query);
            }
            double exchanges = exchanges();
            assertTrue(exchanges >= 1, "the walks ran on pooled lookup exchanges");
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            Map<Long, long[]> before = serverThreads(threads);
            for (int i = 0; i < WALKS; i++) {
                walk(client, query);
            }
            Map<Long, long[]> after = serverThreads(threads);
            long bytes = 0;
            long cpu = 0;
            for (Map.Entry<Long, long[]> t : after.entrySet()) {
                long[] from = before.getOrDefault(t.getKey(), new long[2]);
                bytes += t.getValue()[0] - from[0];
                cpu += t.getValue()[1] - from[1];
            }
            System.out.printf("autopath walk (4 self lookups), server threads over %d walks: %d B allocated,"
                    + " %.1f us CPU per walk%n", WALKS, bytes / WALKS, cpu / 1000.0 / WALKS);
            assertTrue(exchanges() <= exchanges, "the walks made no new lookup exchange: the pooled ones were reused");
        }
    }

    private static void walk(DnsClient client, byte[] wire) throws Exception {
        Message reply = client.udp(new Message(wire));
        assertEquals(Rcode.NOERROR, reply.getRcode(), reply.toString());
        assertEquals(2, reply.getSection(org.xbill.DNS.Section.ANSWER).size(), "CNAME and A: " + reply);
    }

    private static double exchanges() {
        return MetricValues.of(List.of(SelfLookup.metrics())).value("nodedns_self_lookup_exchanges");
    }

    /** Heap allocated and CPU time of every platform thread but this one (the client): the loop and the carriers. */
    private static Map<Long, long[]> serverThreads(com.sun.management.ThreadMXBean threads) {
        Map<Long, long[]> out = new HashMap<>();
        long self = Thread.currentThread().threadId();
        for (long id : threads.getAllThreadIds()) {
            if (id != self) {
                out.put(id, new long[]{threads.getThreadAllocatedBytes(id), threads.getThreadCpuTime(id)});
            }
        }
        return out;
    }
}
