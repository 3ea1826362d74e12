package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.Unmeasured;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/** Policies as seen from the upstreams (CoreDNS plugin/forward/policy.go), and query ID randomness. */
@Unmeasured
class ForwardPolicyTest {

    private static List<Integer> whoAnswered(String policy, int queries) throws Exception {
        List<FakeUpstream> ups = List.of(FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start());
        try (var s = start(".:PORT {\n forward . " + ups.get(0).hostPort() + " " + ups.get(1).hostPort() + " "
                + ups.get(2).hostPort() + " {\n policy " + policy + "\n }\n}")) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < queries; i++) {
                int[] before = ups.stream().mapToInt(FakeUpstream::clientQueries).toArray();
                Message r = s.udp(DnsClient.query("p" + i + ".example.org", Type.A));
                assertEquals(0, r.getRcode());
                for (int u = 0; u < 3; u++) {
                    if (ups.get(u).clientQueries() > before[u]) {
                        order.add(u);
                    }
                }
            }
            return order;
        } finally {
            ups.forEach(FakeUpstream::close);
        }
    }

    @Test
    void sequentialAlwaysUsesTheFirst() throws Exception {
        assertEquals(List.of(0, 0, 0, 0, 0, 0), whoAnswered("sequential", 6));
    }

    @Test
    void roundRobinCycles() throws Exception {
        List<Integer> order = whoAnswered("round_robin", 9);
        assertEquals(List.of(0, 1, 2, 0, 1, 2, 0, 1, 2), order);
    }

    @Test
    void randomSpreadsOverAll() throws Exception {
        List<Integer> order = whoAnswered("random", 300);
        for (int u = 0; u < 3; u++) {
            int n = u;
            long count = order.stream().filter(x -> x == n).count();
            assertTrue(count > 50 && count < 150, "upstream " + u + " got " + count + " of 300");
        }
    }

    @Test
    void upstreamIdsAreRandomAndSourcePortsVary() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n multisocket 1\n forward . " + up.hostPort() + "\n}")) {
            int n = 3000;
            try (DnsClient c = new DnsClient(s.port())) {
                for (int i = 0; i < n; i++) {
                    Message q = DnsClient.query("id" + i + ".example.org", Type.A);
                    q.getHeader().setID(i); // predictable client IDs must not leak upstream
                    assertEquals(0, c.udp(q).getRcode());
                }
            }
            List<FakeUpstream.Query> seen = up.queries();
            assertEquals(n, seen.size());
            Set<Integer> ids = new HashSet<>();
            int[] buckets = new int[16];
            int sameAsClient = 0;
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < n; i++) {
                int id = seen.get(i).id();
                ids.add(id);
                buckets[id >>> 12]++;
                sameAsClient += id == i ? 1 : 0;
                ports.add(seen.get(i).from().getPort());
            }
            // Birthday bound: ~68 repeats expected among 3000 draws from 65536.
            assertTrue(ids.size() > n - 150, "distinct IDs " + ids.size());
            double chi = 0;
            double expected = n / 16.0;
            for (int b : buckets) {
                chi += (b - expected) * (b - expected) / expected;
            }
            assertTrue(chi < 56.5, "top-nibble chi-square " + chi + " (15 dof; 56.5 is p = 1e-6)");
            assertTrue(sameAsClient < 5, "client IDs reused " + sameAsClient);
            assertTrue(ports.size() >= 3 && ports.size() <= UdpForwarder.SOCKETS_PER_UPSTREAM, "source ports " + ports);
        }
    }
}
