package io.nodedns.plugin.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.EscapedLabel;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * {@code rewrite cname} over real sockets (CoreDNS plugin/rewrite cname_target.go): the CNAME target
 * in the upstream's answer is rewritten and the new target is resolved through the server itself,
 * here by a second server block's hosts, and the client gets the chain in one reply.
 */
@Unmeasured
class RewriteCnameTest {
    /** The upstream: every name is a CNAME to edge.cdn.example.net, which has 203.0.113.9. */
    private static Message cdn(Message q) {
        Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
        try {
            Name edge = Name.fromString("edge.cdn.example.net.");
            r.addRecord(new CNAMERecord(q.getQuestion().getName(), 1, 60, edge), Section.ANSWER);
            if (q.getQuestion().getType() == Type.A) {
                r.addRecord(new ARecord(edge, 1, 60, InetAddress.getByName("203.0.113.9")), Section.ANSWER);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return r;
    }

    private static List<String> chain(Message reply) {
        List<String> out = new ArrayList<>();
        for (Record r : reply.getSection(Section.ANSWER)) {
            out.add(r.getName() + " " + Type.string(r.getType()) + " " + r.rdataToString());
        }
        return out;
    }

    private static TestServer server(int port, String rule, FakeUpstream up) throws Exception {
        return TestServer.fromText("""
                .:%1$d {
                    %2$s
                    forward . %3$s
                }
                internal.example.org:%1$d {
                    hosts {
                        192.0.2.50 edge.internal.example.org
                    }
                }
                """.formatted(port, rule, up.hostPort()));
    }

    /** The target is text as CoreDNS has it, with miekg/dns's escapes (EscapedLabel), lower-cased here. */
    @Test
    void theTargetIsMatchedAsCoreDnsWritesIt() throws Exception {
        Name escaped = Name.fromString(EscapedLabel.DIG + ".cdn.example.net.");
        try (FakeUpstream up = FakeUpstream.start().reply(q -> {
            Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
            r.addRecord(new CNAMERecord(q.getQuestion().getName(), 1, 60, escaped), Section.ANSWER);
            return r;
        })) {
            int port = FreePorts.udpAndTcp();
            String rule = "rewrite cname regex ^" + EscapedLabel.COREDNS_LOWER_REGEX
                    + "[.]cdn[.]example[.]net[.]$ edge.internal.example.org.";
            try (TestServer s = server(port, rule, up); DnsClient client = new DnsClient(port)) {
                assertEquals(List.of("www.example.org. CNAME edge.internal.example.org.",
                        "edge.internal.example.org. A 192.0.2.50"),
                        chain(client.udp(DnsClient.query("www.example.org", Type.A))));
            }
        }
    }

    @Test
    void everyMatchTypeRewritesTheTargetAndReturnsTheNewChain() throws Exception {
        List<String> expected = List.of("www.example.org. CNAME edge.internal.example.org.",
                "edge.internal.example.org. A 192.0.2.50");
        for (String rule : List.of(
                "rewrite cname edge.cdn.example.net edge.internal.example.org",
                "rewrite cname exact EDGE.cdn.example.net. edge.internal.example.org.",
                "rewrite cname prefix edge.cdn.example.net edge.internal.example.org",
                "rewrite cname suffix .cdn.example.net. .internal.example.org.",
                "rewrite cname substring cdn.example.net internal.example.org",
                "rewrite cname regex (.*)\\.cdn\\.example\\.net\\. {1}.internal.example.org.")) {
            try (FakeUpstream up = FakeUpstream.start().reply(RewriteCnameTest::cdn)) {
                int port = FreePorts.udpAndTcp();
                try (TestServer s = server(port, rule, up); DnsClient client = new DnsClient(port)) {
                    Message udp = client.udp(DnsClient.query("www.example.org", Type.A));
                    assertEquals(Rcode.NOERROR, udp.getRcode(), rule);
                    assertEquals("www.example.org.", udp.getQuestion().getName().toString());
                    assertEquals(expected, chain(udp), rule);
                    assertEquals(expected, chain(client.tcp(DnsClient.query("www.example.org", Type.A))),
                            rule + " over TCP");
                }
            }
        }
    }

    @Test
    void repliesTheRuleDoesNotMatchPassUnchanged() throws Exception {
        try (FakeUpstream up = FakeUpstream.start().reply(RewriteCnameTest::cdn)) {
            int port = FreePorts.udpAndTcp();
            try (TestServer s = server(port, "rewrite cname other.example.net edge.internal.example.org", up);
                    DnsClient client = new DnsClient(port)) {
                Message reply = client.udp(DnsClient.query("www.example.org", Type.A));
                assertEquals(
                        List.of("www.example.org. CNAME edge.cdn.example.net.", "edge.cdn.example.net. A 203.0.113.9"),
                        chain(reply));
            }
        }
    }

    @Test
    void ruleOrderWithContinueAndAQuestionRewrite() throws Exception {
        try (FakeUpstream up = FakeUpstream.start().reply(RewriteCnameTest::cdn)) {
            int port = FreePorts.udpAndTcp();
            String rules = "rewrite continue cname suffix .cdn.example.net. .internal.example.org.\n"
                    + " rewrite name exact www.example.org app.example.org";
            try (TestServer s = server(port, rules, up); DnsClient client = new DnsClient(port)) {
                Message reply = client.udp(DnsClient.query("www.example.org", Type.A));
                assertEquals("app.example.org.", up.queries().getLast().message().getQuestion().getName().toString(),
                        "continue: the name rule after it ran too");
                assertEquals(
                        List.of("www.example.org. CNAME edge.internal.example.org.",
                                "edge.internal.example.org. A 192.0.2.50"),
                        chain(reply), "the name mapped back, the CNAME chain followed");
            }
        }
    }

    @Test
    void aTargetThatLeadsBackToItselfEndsAtTheLookupBound() throws Exception {
        // the new target is forwarded too, the upstream answers it with the same CNAME: a loop
        try (FakeUpstream up = FakeUpstream.start().reply(RewriteCnameTest::cdn)) {
            int port = FreePorts.udpAndTcp();
            try (TestServer s = server(port, "rewrite cname edge.cdn.example.net loop.example.org", up);
                    DnsClient client = new DnsClient(port)) {
                Message reply = client.tcp(DnsClient.query("www.example.org", Type.A));
                assertNotNull(reply);
                assertEquals("www.example.org. CNAME loop.example.org.", chain(reply).getFirst());
            }
        }
    }
}
