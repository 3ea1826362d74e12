package io.nodedns.plugin.autopath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * autopath with a resolv.conf over real sockets, the candidates going down the chain to a fake
 * upstream (CoreDNS's autopath_test.go cases: search example.org example.com com).
 */
class AutopathTest {
    /** The names the upstream knows; every other name is NXDOMAIN. */
    private static final Set<String> EXISTING = Set.of("b.com.", "a.example.com.", "d.example.org.", "a.example.net.");

    @TempDir
    Path dir;

    private static FakeUpstream upstream() throws Exception {
        FakeUpstream upstream = FakeUpstream.start();
        upstream.reply(q -> EXISTING.contains(q.getQuestion().getName().toString().toLowerCase())
                ? FakeUpstream.answer(q)
                : FakeUpstream.replyTo(q, Rcode.NXDOMAIN));
        return upstream;
    }

    static List<String> answer(Message m) {
        List<String> out = new ArrayList<>();
        for (Record r : m.getSection(Section.ANSWER)) {
            out.add(r.getName() + " " + r.getTTL() + " " + Type.string(r.getType()) + " " + r.rdataToString());
        }
        return out;
    }

    /** What the upstream was asked since {@code from}, in order (health probes left out). */
    static List<String> asked(FakeUpstream upstream, int from) {
        List<FakeUpstream.Query> all = upstream.queries().stream().filter(q -> !q.isProbe()).toList();
        return all.subList(from, all.size()).stream().map(FakeUpstream.Query::name).toList();
    }

    /** How each query the upstream was asked since {@code from} came: true for TCP. */
    static List<Boolean> overTcp(FakeUpstream upstream, int from) {
        List<FakeUpstream.Query> all = upstream.queries().stream().filter(q -> !q.isProbe()).toList();
        return all.subList(from, all.size()).stream().map(FakeUpstream.Query::tcp).toList();
    }

    @Test
    void searchPathFromAFile() throws Exception {
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "search example.org example.com com\n");
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = upstream();
                TestServer server = TestServer
                        .fromText(".:%d {\n bind 127.0.0.1\n prometheus 127.0.0.1:%d\n autopath %s\n forward . %s\n}\n"
                                .formatted(port, metrics, resolv, upstream.hostPort()));
                DnsClient client = new DnsClient(port)) {
            int seen = asked(upstream, 0).size();
            Message m = client.udp(DnsClient.query("b.example.org.", Type.A));
            assertEquals(Rcode.NOERROR, m.getRcode(), m.toString());
            assertEquals("b.example.org.", m.getQuestion().getName().toString(), "the question as asked");
            assertEquals(List.of("b.example.org. 60 CNAME b.com.", "b.com. 60 A 192.0.2.1"), answer(m));
            assertEquals(List.of("b.example.org.", "b.example.com.", "b.com."), asked(upstream, seen),
                    "the search path in order, up to the first answer");
            assertEquals(List.of(false, false, false), overTcp(upstream, seen), "a UDP client's candidates over UDP");

            seen = asked(upstream, 0).size();
            m = client.udp(DnsClient.query("a.example.com.", Type.A));
            assertEquals(List.of("a.example.com. 60 A 192.0.2.1"), answer(m), "not in the first domain: untouched");
            assertEquals(List.of("a.example.com."), asked(upstream, seen));

            m = client.udp(DnsClient.query("d.example.org.", Type.A));
            assertEquals(List.of("d.example.org. 60 A 192.0.2.1"), answer(m), "found as asked: no CNAME");

            seen = asked(upstream, 0).size();
            int connections = upstream.tcpConnectionsAccepted();
            m = client.tcp(DnsClient.query("c.example.org.", Type.A));
            assertEquals(Rcode.NXDOMAIN, m.getRcode(), "nothing anywhere: the reply to the name as asked");
            assertEquals("c.example.org.", m.getQuestion().getName().toString());
            assertEquals(0, m.getSection(Section.ANSWER).size());
            assertEquals(List.of("c.example.org.", "c.example.com.", "c.com.", "c."), asked(upstream, seen));
            assertEquals(List.of(true, true, true, true), overTcp(upstream, seen), "a TCP client's over TCP");
            assertEquals(1, upstream.tcpConnectionsAccepted() - connections,
                    "the candidates share forward's pooled connection: no connection per candidate");

            seen = asked(upstream, 0).size();
            m = client.udp(DnsClient.query("example.org.", Type.A));
            assertEquals(Rcode.NXDOMAIN, m.getRcode(), "the first domain itself has no base name: passed on");
            assertEquals(List.of("example.org."), asked(upstream, seen));

            m = client.udp(DnsClient.query("B.Example.ORG.", Type.A));
            assertEquals(List.of("B.Example.ORG. 60 CNAME B.com.", "B.com. 60 A 192.0.2.1"), answer(m),
                    "the client's spelling of its name (RFC 4343 4.1), the base name's in the candidates");

            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metrics + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(body.contains("coredns_autopath_success_total{server=\"dns://127.0.0.1:" + port + "\"} 3"),
                    "b, d and B: an answer as asked counts, as in CoreDNS\n" + body);
        }
    }

    @Test
    void onlyItsZones() throws Exception {
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "search example.net com\n");
        int port = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = upstream();
                TestServer server = TestServer
                        .fromText(".:%d {\n bind 127.0.0.1\n autopath example.org %s\n forward . %s\n}\n"
                                .formatted(port, resolv, upstream.hostPort()));
                DnsClient client = new DnsClient(port)) {
            int seen = asked(upstream, 0).size();
            Message m = client.udp(DnsClient.query("b.example.net.", Type.A));
            assertEquals(Rcode.NXDOMAIN, m.getRcode(), "outside autopath's zone example.org: untouched");
            assertEquals(List.of("b.example.net."), asked(upstream, seen));
        }
        try (FakeUpstream upstream = upstream();
                TestServer server = TestServer.fromText(".:%d {\n bind 127.0.0.1\n autopath net. %s\n forward . %s\n}\n"
                        .formatted(port, resolv, upstream.hostPort()));
                DnsClient client = new DnsClient(port)) {
            Message m = client.udp(DnsClient.query("b.example.net.", Type.A));
            assertEquals(List.of("b.example.net. 60 CNAME b.com.", "b.com. 60 A 192.0.2.1"), answer(m));
        }
    }
}
