package io.nodedns.plugin.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Name rules over real sockets: what the upstream sees, what the client gets back (CoreDNS plugin/rewrite). */
@Unmeasured
class RewriteNameTest {

    private static String question(Message m) {
        return m.getQuestion().getName().toString();
    }

    private static List<Record> answers(Message m) {
        return m.getSection(Section.ANSWER);
    }

    @Test
    void blogRuleRewritesExactNameAndMapsTheAnswerBackInTheClientsCase() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite name foo.example.com foo.default.svc.cluster.local")) {
            Message reply = f.ask(DnsClient.query("Foo.EXAMPLE.com", Type.A));
            assertEquals("foo.default.svc.cluster.local.", question(f.lastUpstreamQuery()).toLowerCase());
            assertEquals(Rcode.NOERROR, reply.getRcode());
            assertEquals("Foo.EXAMPLE.com.", question(reply), "the client's question, letter case included");
            assertEquals(1, answers(reply).size());
            ARecord a = (ARecord) answers(reply).getFirst();
            assertEquals("Foo.EXAMPLE.com.", a.getName().toString());
            assertEquals(InetAddress.getByName("192.0.2.1"), a.getAddress());

            Message other = f.ask(DnsClient.query("bar.example.com", Type.A));
            assertEquals("bar.example.com.", question(f.lastUpstreamQuery()),
                    "a name the rule does not match is untouched");
            assertEquals("bar.example.com.", answers(other).getFirst().getName().toString());
        }
    }

    @Test
    void exactMapsSubdomainsAndValuesBack() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite name exact svc.example.org real.internal")) {
            f.upstream.reply(q -> {
                Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
                try {
                    Name qn = q.getQuestion().getName();
                    r.addRecord(new CNAMERecord(qn, 1, 30, Name.fromString("x.real.internal.")), Section.ANSWER);
                    r.addRecord(
                            new ARecord(Name.fromString("x.real.internal."), 1, 30, InetAddress.getByName("192.0.2.7")),
                            Section.ANSWER);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return r;
            });
            Message reply = f.ask(DnsClient.query("svc.example.org", Type.A));
            assertEquals("real.internal.", question(f.lastUpstreamQuery()));
            CNAMERecord cname = (CNAMERecord) answers(reply).get(0);
            assertEquals("svc.example.org.", cname.getName().toString());
            assertEquals("x.svc.example.org.", cname.getTarget().toString());
            assertEquals("x.svc.example.org.", answers(reply).get(1).getName().toString());
        }
    }

    @Test
    void prefixSuffixSubstringAndRegexRewriteWhatTheUpstreamSees() throws Exception {
        String rules = """
                 rewrite name prefix foo bar
                 rewrite name suffix .schmoogle.com. .google.com.
                 rewrite name substring service.us-west-1.example.org service.us-west-1.consul
                 rewrite name regex (.*)-(us-east-1)\\.example\\.org {1}.service.{2}.consul
                """;
        try (RewriteFixture f = new RewriteFixture(rules)) {
            String[][] cases = {
                    {"foo.example.com", "bar.example.com."},
                    {"foobar.example.com", "foobar.example.com."},
                    {"www.schmoogle.com", "www.google.com."},
                    {"ftp.service.us-west-1.example.org", "ftp.service.us-west-1.consul."},
                    {"FTP-us-east-1.example.org", "ftp.service.us-east-1.consul."},
            };
            for (String[] c : cases) {
                Message reply = f.ask(DnsClient.query(c[0], Type.A));
                assertEquals(c[1], question(f.lastUpstreamQuery()), c[0]);
                assertEquals(c[0] + ".", question(reply), "question restored for " + c[0]);
                assertEquals(Rcode.NOERROR, reply.getRcode());
            }
            // without answer rules a non-exact rewrite leaves the answer under the rewritten name
            Message reply = f.ask(DnsClient.query("foo.example.com", Type.A));
            assertEquals("bar.example.com.", answers(reply).getFirst().getName().toString());
        }
    }

    @Test
    void answerAutoMapsTheRewrittenNameBack() throws Exception {
        String rules = " rewrite name regex (.*)-(us-west-1)\\.coredns\\.rocks {1}.service.{2}.consul answer auto\n"
                + " rewrite stop {\n  name suffix .example.net .example.org answer auto\n }";
        try (RewriteFixture f = new RewriteFixture(rules)) {
            Message reply = f.ask(DnsClient.query("ftp-us-west-1.coredns.rocks", Type.A));
            assertEquals("ftp.service.us-west-1.consul.", question(f.lastUpstreamQuery()));
            assertEquals("ftp-us-west-1.coredns.rocks.", question(reply));
            assertEquals("ftp-us-west-1.coredns.rocks.", answers(reply).getFirst().getName().toString());

            reply = f.ask(DnsClient.query("www.example.net", Type.AAAA));
            assertEquals("www.example.org.", question(f.lastUpstreamQuery()));
            assertEquals("www.example.net.", answers(reply).getFirst().getName().toString());
            assertEquals(Type.AAAA, answers(reply).getFirst().getType());
        }
    }

    @Test
    void answerNameAndValueRegexRulesRewriteOwnersAndTargets() throws Exception {
        String rules = """
                 rewrite stop {
                  name regex (.*)-(us-west-1)\\.coredns\\.rocks {1}.service.{2}.consul
                  answer name (.*)\\.service\\.(us-west-1)\\.consul {1}-{2}.coredns.rocks
                  answer value (.*)\\.service\\.consul\\. {1}.coredns.rocks.
                 }
                """;
        try (RewriteFixture f = new RewriteFixture(rules)) {
            f.upstream.reply(q -> {
                Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
                try {
                    r.addRecord(new SRVRecord(q.getQuestion().getName(), 1, 30, 1, 2, 8080,
                            Name.fromString("node1.service.consul.")), Section.ANSWER);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return r;
            });
            Message reply = f.ask(DnsClient.query("web-us-west-1.coredns.rocks", Type.SRV));
            assertEquals("web.service.us-west-1.consul.", question(f.lastUpstreamQuery()));
            SRVRecord srv = (SRVRecord) answers(reply).getFirst();
            assertEquals("web-us-west-1.coredns.rocks.", srv.getName().toString());
            assertEquals("node1.coredns.rocks.", srv.getTarget().toString());
            assertEquals(8080, srv.getPort());
            assertEquals("web-us-west-1.coredns.rocks.", question(reply));
        }
    }

    @Test
    void stopEndsTheRuleListAndContinueGoesOn() throws Exception {
        String rules = """
                 rewrite continue name exact a.example.org b.example.org
                 rewrite name exact b.example.org c.example.org
                 rewrite name exact c.example.org d.example.org
                """;
        try (RewriteFixture f = new RewriteFixture(rules)) {
            Message reply = f.ask(DnsClient.query("a.example.org", Type.A));
            assertEquals("c.example.org.", question(f.lastUpstreamQuery()),
                    "continue, then the stop rule ends the list");
            assertEquals("a.example.org.", question(reply));
            assertEquals("a.example.org.", answers(reply).getFirst().getName().toString(), "both exact rules map back");
        }
    }

    @Test
    void continueRuleWithoutAnswerRulesStillRestoresTheQuestion() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite continue name suffix .old.org .new.org")) {
            Message reply = f.ask(DnsClient.query("x.old.org", Type.A));
            assertEquals("x.new.org.", question(f.lastUpstreamQuery()));
            assertEquals("x.old.org.", question(reply), "nodedns restores it, unlike CoreDNS (RFC wins)");
        }
    }

    @Test
    void invalidRewrittenNameIsServfailWithTheOriginalQuestion() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite name regex (.*)\\.bad\\.org {1}{1}{1}.x.org")) {
            String label = "a".repeat(30);
            Message reply = f.ask(DnsClient.query(label + ".bad.org", Type.A));
            assertEquals(Rcode.SERVFAIL, reply.getRcode());
            assertEquals(label + ".bad.org.", question(reply));
            assertEquals(0, f.upstream.clientQueries(), "nothing was forwarded");
        }
    }

    @Test
    void withoutNextPluginTheServfailCarriesTheOriginalQuestion() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n rewrite name regex (.*)\\.a\\.org {1}.b.org answer auto\n}\n".formatted(port);
        try (TestServer server = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            Message reply = client.udp(DnsClient.query("www.a.org", Type.A));
            assertEquals(Rcode.SERVFAIL, reply.getRcode());
            assertEquals("www.a.org.", question(reply));
            Message tcp = client.tcp(DnsClient.query("www.a.org", Type.A));
            assertEquals("www.a.org.", question(tcp));
        }
    }

    @Test
    void cacheHitsBehindRewriteAreMappedBackToo() throws Exception {
        try (RewriteFixture f = new RewriteFixture(" rewrite name one.example.org two.example.org", " cache")) {
            for (int i = 0; i < 3; i++) {
                Message reply = f.ask(DnsClient.query("ONE.example.org", Type.A));
                assertEquals("ONE.example.org.", question(reply));
                assertEquals("ONE.example.org.", answers(reply).getFirst().getName().toString());
            }
            assertEquals(1, f.upstream.clientQueries(), "the later queries were cache hits");
            assertTrue(f.upstream.queries().stream().noneMatch(q -> q.name().startsWith("one")));
        }
    }
}
