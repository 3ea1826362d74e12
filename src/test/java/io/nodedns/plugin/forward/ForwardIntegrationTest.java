package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** forward end to end over real loopback sockets: answers, transports, truncation, next, failover, limits. */
class ForwardIntegrationTest {

    private static String firstA(Message m) {
        return ((ARecord) m.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress();
    }

    @Test
    void forwardsUdpAndTcpQueriesAndRestoresTheClientId() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + "\n}")) {
            Message q = DnsClient.query("www.example.org", Type.A);
            q.getHeader().setID(4242);
            Message r = s.udp(q);
            assertNotNull(r);
            assertEquals(4242, r.getHeader().getID());
            assertEquals(Rcode.NOERROR, r.getRcode());
            assertEquals("192.0.2.1", firstA(r));
            Message t = s.tcp(DnsClient.query("tcp.example.org", Type.A));
            assertEquals("192.0.2.1", firstA(t));
            assertEquals(2, s.forward().requests());
            assertEquals(2, s.forward().responses(Rcode.NOERROR));
        }
    }

    @ParameterizedTest(name = "client {0}, options [{1}] -> upstream {2}")
    @CsvSource({
            "udp, , udp",
            "udp, force_tcp, tcp",
            "tcp, , tcp",
            "tcp, prefer_udp, udp",
            "udp, force_tcp prefer_udp, tcp",
            "tcp, force_tcp prefer_udp, tcp",
            "udp, prefer_udp, udp"})
    void protocolSelectionMatrix(String client, String options, String expected) throws Exception {
        String opts = options == null ? "" : String.join("\n", options.split(" "));
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + " {\n" + opts + "\n}\n}")) {
            Message q = DnsClient.query("matrix.example.org", Type.A);
            Message r = client.equals("tcp") ? s.tcp(q) : s.udp(q);
            assertEquals(Rcode.NOERROR, r.getRcode());
            assertEquals(1, up.clientQueries());
            assertEquals(expected.equals("tcp"), up.queries().getFirst().tcp());
        }
    }

    @Test
    void truncatedUdpReplyIsRetriedOverTcpOnTheSameUpstream() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + "\n}")) {
            up.behaviour((q, out) -> {
                if (q.tcp()) {
                    out.answer();
                } else {
                    Message tc = FakeUpstream.replyTo(q.message(), Rcode.NOERROR);
                    tc.getHeader().setFlag(Flags.TC);
                    out.send(tc);
                }
            });
            Message r = s.udp(DnsClient.withEdns(DnsClient.query("big.example.org", Type.A), 1232, false));
            assertEquals(Rcode.NOERROR, r.getRcode());
            assertFalse(r.getHeader().getFlag(Flags.TC));
            assertEquals("192.0.2.1", firstA(r));
            assertEquals(1, up.count(q -> !q.tcp()));
            assertEquals(1, up.count(FakeUpstream.Query::tcp));
        }
    }

    @Test
    void bigAnswerIsTruncatedForUdpClientsWithoutEdnsAndWholeOverTcp() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + "\n}")) {
            up.reply(q -> {
                Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
                for (int i = 0; i < 40; i++) {
                    try {
                        r.addRecord(new ARecord(q.getQuestion().getName(), DClass.IN, 60,
                                InetAddress.getByName("10.0.0." + i)), Section.ANSWER);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return r;
            });
            Message udp = s.udp(DnsClient.query("a-rather-long-name-for-twenty-records.example.org", Type.A));
            assertTrue(udp.getHeader().getFlag(Flags.TC), "does not fit 512 bytes");
            Message tcp = s.tcp(DnsClient.query("a-rather-long-name-for-twenty-records.example.org", Type.A));
            assertFalse(tcp.getHeader().getFlag(Flags.TC));
            assertEquals(40, tcp.getSection(Section.ANSWER).size());
        }
    }

    @Test
    void exceptAndOutOfZoneNamesGoToTheNextPlugin() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward example.org " + up.hostPort()
                        + " {\n except skip.example.org\n }\n whoami\n}")) {
            assertEquals("192.0.2.1", firstA(s.udp(DnsClient.query("www.example.org", Type.A))));
            assertEquals("192.0.2.1", firstA(s.udp(DnsClient.query("example.org", Type.A))));
            Message skipped = s.udp(DnsClient.query("a.skip.example.org", Type.A));
            assertTrue(skipped.getSection(Section.ANSWER).isEmpty(), "whoami answered (no answer section)");
            assertTrue(s.udp(DnsClient.query("other.net", Type.A)).getSection(Section.ANSWER).isEmpty());
            assertEquals(2, up.clientQueries());
        }
    }

    @Test
    void reverseZoneFromCidrAndNonInClassesAreForwarded() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward 10.0.0.0/24 " + up.hostPort() + "\n whoami\n}")) {
            assertEquals(Rcode.NOERROR, s.udp(DnsClient.query("5.0.0.10.in-addr.arpa", Type.PTR)).getRcode());
            assertEquals(1, up.clientQueries());
            Message ch = s.udp(DnsClient.query("5.0.0.10.in-addr.arpa", Type.TXT, DClass.CH));
            assertEquals(Rcode.NOERROR, ch.getRcode(), "CH class reaches forward instead of REFUSED");
            assertEquals(2, up.clientQueries());
        }
    }

    @Test
    void nextHandsNxdomainToTheFollowingForward() throws Exception {
        try (FakeUpstream first = FakeUpstream.start();
                FakeUpstream second = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + first.hostPort() + " {\n next NXDOMAIN\n }\n forward . "
                        + second.hostPort() + "\n}")) {
            first.reply(q -> FakeUpstream.replyTo(q, q.getQuestion().getName().toString().startsWith("nx")
                    ? Rcode.NXDOMAIN
                    : Rcode.NOERROR));
            assertEquals(Rcode.NOERROR, s.udp(DnsClient.query("nx.example.org", Type.A)).getRcode());
            assertEquals(1, second.clientQueries());
            assertEquals(Rcode.NOERROR, s.tcp(DnsClient.query("nx2.example.org", Type.A)).getRcode());
            assertEquals(2, second.clientQueries());
            Message empty = s.udp(DnsClient.query("ok.example.org", Type.A));
            assertEquals(Rcode.NOERROR, empty.getRcode());
            assertTrue(empty.getSection(Section.ANSWER).isEmpty(),
                    "without next_on_nodata the empty NOERROR is returned");
            assertEquals(2, second.clientQueries());
        }
    }

    @Test
    void nextOnNodataChains() throws Exception {
        try (FakeUpstream first = FakeUpstream.start();
                FakeUpstream second = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + first.hostPort() + " {\n next_on_nodata\n }\n forward . "
                        + second.hostPort() + "\n}")) {
            first.reply(q -> FakeUpstream.replyTo(q, Rcode.NOERROR));
            assertEquals("192.0.2.1", firstA(s.udp(DnsClient.query("nodata.example.org", Type.A))));
            assertEquals(1, second.clientQueries());
        }
    }

    @Test
    void nextIsIgnoredWhenNoForwardFollows() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + " {\n next NXDOMAIN\n }\n}")) {
            up.reply(q -> FakeUpstream.replyTo(q, Rcode.NXDOMAIN));
            assertEquals(Rcode.NXDOMAIN, s.udp(DnsClient.query("nx.example.org", Type.A)).getRcode());
        }
    }

    @Test
    void failoverTriesEachUpstreamOnceThenReturnsTheLastReply() throws Exception {
        try (FakeUpstream a = FakeUpstream.start();
                FakeUpstream b = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + a.hostPort() + " " + b.hostPort()
                        + " {\n failover SERVFAIL\n policy sequential\n }\n}")) {
            a.reply(q -> FakeUpstream.replyTo(q, Rcode.SERVFAIL));
            b.reply(q -> FakeUpstream.replyTo(q, Rcode.SERVFAIL));
            assertEquals(Rcode.SERVFAIL, s.udp(DnsClient.query("fo.example.org", Type.A)).getRcode());
            assertEquals(1, a.clientQueries());
            assertEquals(1, b.clientQueries());
            b.reply(FakeUpstream::answer);
            assertEquals("192.0.2.1", firstA(s.tcp(DnsClient.query("fo2.example.org", Type.A))));
            assertEquals(2, a.clientQueries());
        }
    }

    @Test
    void maxConcurrentRefusesQueriesOverTheLimit() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + " {\n max_concurrent 2\n }\n}")) {
            up.behaviour((q, out) -> out.later(400, up.replyFor(q.message()).toWire()));
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<Message>> results = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    Message q = DnsClient.query("c" + i + ".example.org", Type.A);
                    results.add(pool.submit((Callable<Message>) () -> s.udp(q)));
                }
                int refused = 0;
                int ok = 0;
                for (Future<Message> f : results) {
                    int rc = f.get().getRcode();
                    refused += rc == Rcode.REFUSED ? 1 : 0;
                    ok += rc == Rcode.NOERROR ? 1 : 0;
                }
                assertEquals(6, refused + ok);
                assertTrue(refused >= 1 && ok >= 2, "refused " + refused + ", ok " + ok);
                assertEquals(refused, s.forward().maxConcurrentRejects.sum());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void unresponsiveUpstreamGivesServfailAfterTheAttemptCap() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(
                        ".:PORT {\n forward . " + up.hostPort() + " {\n read_timeout 200ms\n max_fails 0\n }\n}")) {
            up.behaviour((q, out) -> {});
            long t0 = System.nanoTime();
            Message r = s.udp(DnsClient.query("slow.example.org", Type.A), 3000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Rcode.SERVFAIL, r.getRcode());
            assertTrue(ms >= 350 && ms < 1500, "two attempts of 200 ms, took " + ms);
            assertEquals(2, up.clientQueries(), "2 x 1 upstream attempts by default");
            assertEquals(2, s.forward().upstreamFailures.sum());
            Message t = s.tcp(DnsClient.query("slow-tcp.example.org", Type.A));
            assertEquals(Rcode.SERVFAIL, t.getRcode());
        }
    }

    @Test
    void overallBudgetOfFiveSecondsCutsTheLastAttempt() throws Exception {
        try (FakeUpstream a = FakeUpstream.start();
                FakeUpstream b = FakeUpstream.start();
                FakeUpstream c = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + a.hostPort() + " " + b.hostPort() + " " + c.hostPort()
                        + " {\n max_fails 0\n }\n}")) {
            for (FakeUpstream u : List.of(a, b, c)) {
                u.behaviour((q, out) -> {});
            }
            long t0 = System.nanoTime();
            Message r = s.udp(DnsClient.query("budget.example.org", Type.A), 8000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Rcode.SERVFAIL, r.getRcode());
            assertTrue(ms >= 4900 && ms < 5400, "SERVFAIL at the 5 s budget, took " + ms);
            assertEquals(3, a.clientQueries() + b.clientQueries() + c.clientQueries());
        }
    }

    @Test
    void refusedUpstreamFailsOverAtOnce() throws Exception {
        int closed = io.nodedns.testing.FreePorts.udpAndTcp();
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . 127.0.0.1:" + closed + " " + up.hostPort()
                        + " {\n policy sequential\n }\n}")) {
            long t0 = System.nanoTime();
            Message r = s.udp(DnsClient.query("refused.example.org", Type.A));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("192.0.2.1", firstA(r));
            assertTrue(ms < 1000, "ICMP port unreachable is a failure at once, took " + ms);
        }
    }

    @Test
    void ipv6UpstreamOverUdpAndTcp() throws Exception {
        try (FakeUpstream up = FakeUpstream.start("::1");
                var s = start(".:PORT {\n forward . " + up.hostPort() + "\n}")) {
            assertEquals("192.0.2.1", firstA(s.udp(DnsClient.query("v6.example.org", Type.A))));
            assertEquals("192.0.2.1", firstA(s.tcp(DnsClient.query("v6.example.org", Type.A))));
            assertEquals("[::1]:" + up.port(), s.forward().table().get()[0].label());
        }
    }

    @Test
    void forceTcpFromUdpClientFailsOverToTheNextUpstream() throws Exception {
        int closed = io.nodedns.testing.FreePorts.udpAndTcp();
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . 127.0.0.1:" + closed + " " + up.hostPort()
                        + " {\n force_tcp\n policy sequential\n }\n}")) {
            for (int i = 0; i < 3; i++) {
                assertEquals("192.0.2.1", firstA(s.udp(DnsClient.query("ft" + i + ".example.org", Type.A))));
            }
            assertEquals(3, up.count(FakeUpstream.Query::tcp));
            assertTrue(s.forward().upstreamFailures.sum() >= 3);
        }
    }
}
