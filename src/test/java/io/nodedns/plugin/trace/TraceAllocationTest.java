package io.nodedns.plugin.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LoopAllocations;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * What trace costs the UDP loop: nothing for a query not sampled (one atomic increment), and a
 * measured, bounded amount for a sampled one (its hook, the span's strings and record, a backlog slot).
 */
class TraceAllocationTest {
    private static final int CLIENTS = 100;
    /** Bytes a sampled query may allocate (its span). */
    private static final int SAMPLED_BOUND = 4096;

    @Test
    void unsampledQueriesAllocateNothingOnTheLoop() throws Exception {
        try (ZipkinCollector collector = new ZipkinCollector()) {
            LoopAllocations.Result unsampled = perQuery("every 1000000000", LoopAllocations.BOUND, collector);
            LoopAllocations.Result sampled = perQuery("every 1", SAMPLED_BOUND, collector);
            System.out.printf("trace: %.4f B per query not sampled, %.0f B per sampled query (UDP loop)%n",
                    unsampled.worst(0), sampled.worst(0));
            unsampled.assertNothingAllocated();
            assertEquals(0, sampled.lost(), "every sampled query answered: " + sampled);
            assertTrue(sampled.worst(0) > 0 && sampled.worst(0) < SAMPLED_BOUND,
                    "a sampled query allocates its span: " + sampled);
        }
    }

    /**
     * The loop's bytes per query, in LoopAllocations' windows, after 50 rounds to warm the JIT and
     * pools; warm-up windows until one is under {@code bound}.
     */
    private static LoopAllocations.Result perQuery(String every, double bound, ZipkinCollector collector)
            throws Exception {
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
                """.formatted(port, collector.hostPort(), every));
                LoopAllocations.Clients clients = new LoopAllocations.Clients(CLIENTS, port)) {
            long loopThread = LoopAllocations.nativeLoopThread(server, port);
            LoopAllocations.QueryFor queries = (i, r) -> query;
            int lost = clients.rounds(50, queries);
            return LoopAllocations.measure(bound, loopThread, clients.kind("queries", 25, queries)).plusLost(lost);
        }
    }
}
