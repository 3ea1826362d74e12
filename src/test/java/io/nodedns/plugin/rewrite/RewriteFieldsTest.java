package io.nodedns.plugin.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.EscapedLabel;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.Unmeasured;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** type, class, ttl, rcode and edns0 rules over real sockets. */
@Unmeasured
class RewriteFieldsTest {
    private static final int LOCAL = 0xffee;

    @Test
    void typeRuleAsksUpstreamForTheNewTypeAndRestoresTheQuestion() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite type MX A")) {
            Message reply = f.ask(DnsClient.query("mail.example.org", Type.MX));
            assertEquals(Type.A, f.lastUpstreamQuery().getQuestion().getType());
            assertEquals(Type.MX, reply.getQuestion().getType());
            assertEquals(Type.A, reply.getSection(Section.ANSWER).getFirst().getType());
            f.ask(DnsClient.query("mail.example.org", Type.TXT));
            assertEquals(Type.TXT, f.lastUpstreamQuery().getQuestion().getType(), "other types pass unchanged");
        }
    }

    @Test
    void classRuleRewritesTheQueryClass() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite class CH IN")) {
            Message reply = f.ask(DnsClient.query("version.example.org", Type.A, DClass.CH));
            assertEquals(DClass.IN, f.lastUpstreamQuery().getQuestion().getDClass());
            assertEquals(DClass.CH, reply.getQuestion().getDClass());
        }
    }

    private static Message withTtl(Message q, long ttl) {
        Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
        try {
            r.addRecord(new ARecord(q.getQuestion().getName(), 1, ttl, InetAddress.getByName("192.0.2.9")),
                    Section.ANSWER);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return r;
    }

    @Test
    void ttlRulesClampTheAnswerTtl() throws Exception {
        String rules = """
                 rewrite ttl range.example.org 30-300
                 rewrite ttl suffix cap.example.org -20
                 rewrite ttl regex ^fix\\. 15
                 rewrite ttl exact floor.example.org 100-
                """;
        try (RewriteFixture f = new RewriteFixture(rules)) {
            long[][] cases = {{10, 30}, {60, 60}, {4000, 300}};
            for (long[] c : cases) {
                f.upstream.reply(q -> withTtl(q, c[0]));
                Message reply = f.ask(DnsClient.query("range.example.org", Type.A));
                assertEquals(c[1], reply.getSection(Section.ANSWER).getFirst().getTTL(), "ttl " + c[0]);
            }
            f.upstream.reply(q -> withTtl(q, 60));
            assertEquals(20,
                    f.ask(DnsClient.query("a.cap.example.org", Type.A)).getSection(Section.ANSWER).getFirst().getTTL());
            assertEquals(15,
                    f.ask(DnsClient.query("fix.example.org", Type.A)).getSection(Section.ANSWER).getFirst().getTTL());
            assertEquals(100,
                    f.ask(DnsClient.query("floor.example.org", Type.A)).getSection(Section.ANSWER).getFirst().getTTL());
            assertEquals(60,
                    f.ask(DnsClient.query("other.example.org", Type.A)).getSection(Section.ANSWER).getFirst().getTTL());
        }
    }

    @Test
    void rcodeRuleRewritesTheReplyCode() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite rcode suffix example.org NXDOMAIN NOERROR")) {
            f.upstream.reply(q -> FakeUpstream.replyTo(q, Rcode.NXDOMAIN));
            assertEquals(Rcode.NOERROR, f.ask(DnsClient.query("gone.example.org", Type.A)).getRcode());
            assertEquals(Rcode.NXDOMAIN, f.ask(DnsClient.query("gone.example.com", Type.A)).getRcode());
        }
    }

    private static byte[] localOption(Message m, int code) {
        OPTRecord opt = m.getOPT();
        if (opt == null) {
            return null;
        }
        for (EDNSOption o : opt.getOptions()) {
            if (o.getCode() == code) {
                byte[] wire = o.toWire();
                return java.util.Arrays.copyOfRange(wire, 4, wire.length);
            }
        }
        return null;
    }

    private static Message withLocal(String name, byte[] data) {
        Message q = DnsClient.withEdns(DnsClient.query(name, Type.A), 1232, false);
        OPTRecord old = q.getOPT();
        q.removeAllRecords(Section.ADDITIONAL);
        q.addRecord(new OPTRecord(old.getPayloadSize(), 0, 0, 0, List.of(new GenericEDNSOption(LOCAL, data))),
                Section.ADDITIONAL);
        return q;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void edns0LocalSetAddsTheOptionEvenWithoutClientEdns() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite edns0 local set 0xffee 0x61626364")) {
            Message reply = f.ask(DnsClient.query("www.example.org", Type.A));
            assertArrayEquals(ascii("abcd"), localOption(f.lastUpstreamQuery(), LOCAL));
            assertEquals(4096, f.lastUpstreamQuery().getOPT().getPayloadSize(), "CoreDNS adds an OPT of 4096");
            assertNull(reply.getOPT(), "the client sent no EDNS and gets none");
            f.ask(withLocal("www.example.org", ascii("zz")));
            assertArrayEquals(ascii("abcd"), localOption(f.lastUpstreamQuery(), LOCAL), "set replaces existing data");
        }
    }

    @Test
    void edns0LocalAppendReplaceAndUnset() throws Exception {
        String rules = """
                 rewrite continue edns0 local append 0xffee app
                 rewrite continue edns0 local replace 0xfff0 rep
                 rewrite edns0 local unset 0xfff1
                """;
        try (RewriteFixture f = new RewriteFixture(rules)) {
            f.ask(DnsClient.withEdns(DnsClient.query("www.example.org", Type.A), 1232, false));
            Message up = f.lastUpstreamQuery();
            assertArrayEquals(ascii("app"), localOption(up, LOCAL), "append adds a missing option");
            assertNull(localOption(up, 0xfff0), "replace does not add");

            f.ask(withLocal("www.example.org", ascii("mine")));
            assertArrayEquals(ascii("mine"), localOption(f.lastUpstreamQuery(), LOCAL),
                    "append keeps an existing option");
        }
        try (RewriteFixture f = new RewriteFixture(
                " rewrite continue edns0 local replace 0xffee rep\n rewrite edns0 local unset 0xfff1")) {
            f.ask(withLocal("www.example.org", ascii("old")));
            assertArrayEquals(ascii("rep"), localOption(f.lastUpstreamQuery(), LOCAL),
                    "replace changes an existing option");
        }
        try (RewriteFixture f = new RewriteFixture(" rewrite edns0 local unset 0xffee")) {
            f.ask(withLocal("www.example.org", ascii("old")));
            assertNotNull(f.lastUpstreamQuery().getOPT());
            assertNull(localOption(f.lastUpstreamQuery(), LOCAL), "unset removes it");
        }
    }

    @Test
    void edns0VariablesAndSubnet() throws Exception {
        String rules = """
                 rewrite continue edns0 local set 0xffee {qname}
                 rewrite continue edns0 local set 0xffef {qtype}
                 rewrite continue edns0 local set 0xfff0 {client_ip}
                 rewrite edns0 subnet set 24 56
                """;
        try (RewriteFixture f = new RewriteFixture(rules)) {
            f.ask(DnsClient.query("Www.example.org", Type.AAAA));
            Message up = f.lastUpstreamQuery();
            assertArrayEquals(ascii("Www.example.org."), localOption(up, LOCAL));
            assertArrayEquals(new byte[]{0, 28}, localOption(up, 0xffef));
            assertArrayEquals(new byte[]{127, 0, 0, 1}, localOption(up, 0xfff0));
            org.xbill.DNS.ClientSubnetOption ecs = (org.xbill.DNS.ClientSubnetOption) up.getOPT().getOptions(8)
                    .getFirst();
            assertEquals(24, ecs.getSourcePrefixLength());
            assertEquals(InetAddress.getByName("127.0.0.0"), ecs.getAddress());
            // {qname} is CoreDNS's request.QName(): miekg/dns's escapes, the case as asked (EscapedLabel)
            f.ask(DnsClient.query(EscapedLabel.DIG + ".example.org", Type.AAAA));
            assertArrayEquals(ascii(EscapedLabel.COREDNS + ".example.org."), localOption(f.lastUpstreamQuery(), LOCAL));
        }
    }

    @Test
    void edns0RevertRemovesTheAddedOptionFromTheReply() throws Exception {
        for (String rule : new String[]{" rewrite edns0 local set 0xffee abcd revert",
                " rewrite edns0 local set 0xffee abcd"}) {
            try (RewriteFixture f = new RewriteFixture(rule)) {
                // an upstream that echoes the query's OPT options
                f.upstream.reply(q -> {
                    Message r = FakeUpstream.answer(q);
                    r.addRecord(q.getOPT(), Section.ADDITIONAL);
                    return r;
                });
                Message reply = f.ask(DnsClient.withEdns(DnsClient.query("www.example.org", Type.A), 1232, false));
                assertArrayEquals(ascii("abcd"), localOption(f.lastUpstreamQuery(), LOCAL));
                if (rule.endsWith("revert")) {
                    assertNull(localOption(reply, LOCAL), "reverted");
                } else {
                    assertArrayEquals(ascii("abcd"), localOption(reply, LOCAL), "kept without revert");
                }
            }
        }
    }
}
