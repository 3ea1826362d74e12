package io.nodedns.plugin.dns64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** dns64 (RFC 6147) over real sockets, the A query going through the block's chain to a fake upstream. */
class Dns64Test {
    /** v4only.*: AAAA NODATA with an SOA of TTL 30; nosoa.*: NODATA without SOA; nx.*: NXDOMAIN; others: A and AAAA. */
    private static FakeUpstream upstream() throws Exception {
        FakeUpstream upstream = FakeUpstream.start();
        upstream.reply(q -> {
            String name = q.getQuestion().getName().toString();
            try {
                if (name.startsWith("nx.")) {
                    return FakeUpstream.replyTo(q, Rcode.NXDOMAIN);
                }
                if (q.getQuestion().getType() == Type.AAAA
                        && (name.startsWith("v4only.") || name.startsWith("nosoa."))) {
                    Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
                    if (name.startsWith("v4only.")) {
                        r.addRecord(new SOARecord(Name.fromString("example."), q.getQuestion().getDClass(), 30,
                                Name.fromString("ns.example."), Name.fromString("host.example."), 1, 2, 3, 4, 30),
                                Section.AUTHORITY);
                    }
                    return r;
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return FakeUpstream.answer(q);
        });
        return upstream;
    }

    private static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().filter(r -> r.getType() == Type.AAAA)
                .map(r -> ((AAAARecord) r).getAddress().getHostAddress()).toList();
    }

    @Test
    void synthesisesFromTheAReply() throws Exception {
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = upstream();
                TestServer server = TestServer
                        .fromText(".:%d {\n prometheus 127.0.0.1:%d\n dns64 {\n  allow_ipv4\n }\n forward . %s\n}\n"
                                .formatted(port, metrics, upstream.hostPort()));
                DnsClient client = new DnsClient(port)) {
            Message v4only = client.udp(DnsClient.query("v4only.example", Type.AAAA));
            assertEquals(Rcode.NOERROR, v4only.getRcode());
            assertEquals(List.of("64:ff9b:0:0:0:0:c000:201"), addresses(v4only), v4only.toString());
            Record synthesized = v4only.getSection(Section.ANSWER).getFirst();
            assertEquals(30, synthesized.getTTL(), "min of the A's 60 and the SOA's 30 (RFC 6147 5.1.7)");
            assertEquals("v4only.example.", synthesized.getName().toString());
            Message noSoa = client.tcp(DnsClient.query("nosoa.example", Type.AAAA));
            assertEquals(60, noSoa.getSection(Section.ANSWER).getFirst().getTTL(), "min of the A's 60 and 600");

            assertEquals(List.of("2001:db8:0:0:0:0:0:1"),
                    addresses(client.udp(DnsClient.query("dual.example", Type.AAAA))),
                    "a real AAAA is kept");
            assertEquals(Rcode.NXDOMAIN, client.udp(DnsClient.query("nx.example", Type.AAAA)).getRcode(), "5.1.2");
            assertEquals(Type.A, client.udp(DnsClient.query("v4only.example", Type.A)).getSection(Section.ANSWER)
                    .getFirst().getType());
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metrics + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(body.contains("coredns_dns64_requests_translated_total{server=\"dns://:" + port + "\"} 2"),
                    body);
        }
    }

    @Test
    void ipv4ClientsOnlyWithAllowIpv4AndTranslateAll() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = upstream();
                TestServer server = TestServer.fromText(
                        ".:%d {\n dns64 64:ff9b::/96\n forward . %s\n}\n".formatted(port, upstream.hostPort()));
                DnsClient client = new DnsClient(port)) {
            Message v4 = client.udp(DnsClient.query("v4only.example", Type.AAAA));
            assertEquals(0, v4.getSection(Section.ANSWER).size(), "IPv4 client without allow_ipv4: untouched " + v4);
            boolean ipv6 = true;
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
                ipv6 = probe.isBound();
            } catch (java.io.IOException e) {
                ipv6 = false;
            }
            Assumptions.assumeTrue(ipv6, "no ::1 on this host: the IPv6-client half is skipped");
            try (DnsClient v6client = new DnsClient("::1", port)) {
                assertEquals(List.of("64:ff9b:0:0:0:0:c000:201"),
                        addresses(v6client.udp(DnsClient.query("v4only.example", Type.AAAA))));
            }
        }
        try (FakeUpstream upstream = upstream();
                TestServer server = TestServer.fromText(
                        ".:%d {\n dns64 {\n  prefix 2001:db8:122:344::/64\n  translate_all\n  allow_ipv4\n }\n forward . %s\n}\n"
                                .formatted(port, upstream.hostPort()));
                DnsClient client = new DnsClient(port)) {
            assertEquals(List.of("2001:db8:122:344:c0:2:100:0"),
                    addresses(client.udp(DnsClient.query("dual.example", Type.AAAA))),
                    "translate_all replaces a real AAAA; /64 skips the u octet");
        }
    }

    /** RFC 6052 2.4's examples: 192.0.2.33 under each prefix length. */
    @Test
    void embedsAsRfc6052() throws Exception {
        String[][] cases = {
                {"2001:db8::/32", "2001:db8:c000:221::"},
                {"2001:db8:100::/40", "2001:db8:1c0:2:21::"},
                {"2001:db8:122::/48", "2001:db8:122:c000:2:2100::"},
                {"2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::"},
                {"2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100::"},
                {"2001:db8:122:344::/96", "2001:db8:122:344::c000:221"},
        };
        for (String[] c : cases) {
            Dns64Config config = parse("dns64 " + c[0]);
            byte[] v6 = new Dns64Handler(config, new LongAdder()).embed(new byte[]{(byte) 192, 0, 2, 33});
            assertEquals(InetAddress.getByName(c[1]), InetAddress.getByAddress(v6), c[0]);
        }
    }

    private static Dns64Config parse(String line) throws Exception {
        return Dns64Setup.parse(SetupErrors.dispenser(".", line, "dns64"), null);
    }

    @Test
    void setupErrors() {
        SetupErrors.assertFails(". {\n dns64 64:ff9b::/33\n}\n", 2, "invalid prefix length");
        SetupErrors.assertFails(". {\n dns64 64:ff9b::/104\n}\n", 2, "invalid prefix length");
        SetupErrors.assertFails(". {\n dns64 10.0.0.0/8\n}\n", 2, "invalid netmask");
        SetupErrors.assertFails(". {\n dns64 a b\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(". {\n dns64 {\n  nope\n }\n}\n", 3, "unknown property 'nope'");
    }
}
