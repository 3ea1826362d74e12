package io.nodedns.server;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LoopAllocations;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * The server's own path (receive, parse, route, write a reply, send) allocates nothing per query,
 * even with a thousand client source ports: measured on the UDP loop thread.
 */
class HotPathAllocationTest {
    @Test
    void refusedQueriesFromManyPortsAllocateNothingOnTheLoop() throws Exception {
        int port = FreePorts.udpAndTcp();
        byte[] query = DnsClient.query("nobody.serves.this", Type.A).toWire();
        try (TestServer server = TestServer.fromText("example.org:%d {\n multisocket 1\n whoami\n}\n".formatted(port));
                LoopAllocations.Clients clients = new LoopAllocations.Clients(1000, port)) {
            long loop = LoopAllocations.nativeLoopThread(server, port);
            int lost = clients.rounds(50, (i, r) -> query); // warm-up: JIT, pools
            LoopAllocations.Result r = LoopAllocations.measure(loop, clients.kind("refused", 40, (i, round) -> query))
                    .plusLost(lost);
            System.out.println("hot path, 40000-query windows from 1000 client ports: " + r);
            r.assertNothingAllocated();
        }
    }
}
