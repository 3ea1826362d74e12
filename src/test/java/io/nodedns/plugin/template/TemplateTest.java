package io.nodedns.plugin.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.EscapedLabel;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The template plugin over real sockets; whoami behind it shows when a query was passed on. */
@Unmeasured
class TemplateTest {
    /** whoami answered: the query passed the templates. */
    private static boolean passedOn(Message reply) {
        return reply.getRcode() == Rcode.NOERROR && reply.getSection(Section.ANSWER).isEmpty()
                && reply.getSection(Section.ADDITIONAL).size() == 2;
    }

    private static String only(Message reply, int section) {
        List<Record> records = reply.getSection(section);
        assertEquals(1, records.size(), reply.toString());
        return records.getFirst().rdataToString();
    }

    /** CoreDNS template: a lone CNAME to an A or AAAA question is followed through the server. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void cnameAnswerIsFollowedThroughTheServer() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (io.nodedns.testing.FakeUpstream upstream = io.nodedns.testing.FakeUpstream.start();
                TestServer s = TestServer.fromText("""
                        example.org:%1$d {
                          bind 127.0.0.1
                          template IN ANY example.org {
                            answer "{{ .Name }} 60 IN CNAME target.example.net."
                          }
                        }
                        .:%1$d {
                          bind 127.0.0.1
                          forward . %2$s
                        }
                        """.formatted(port, upstream.hostPort()));
                DnsClient client = new DnsClient(port)) {
            Message a = client.udp(DnsClient.query("www.example.org", Type.A));
            List<Record> answer = a.getSection(Section.ANSWER);
            assertEquals(2, answer.size(), a.toString());
            assertEquals(Type.CNAME, answer.get(0).getType(), a.toString());
            assertEquals("target.example.net. 192.0.2.1",
                    answer.get(1).getName() + " " + answer.get(1).rdataToString());
            Message txt = client.udp(DnsClient.query("www.example.org", Type.TXT));
            assertEquals(1, txt.getSection(Section.ANSWER).size(),
                    "only A and AAAA are followed, as CoreDNS does\n" + txt);
            assertEquals(1, upstream.clientQueries(), "the TXT question asked nobody");
        }
    }

    @Test
    void rcodeOnlyTemplateAnswersItsTypeAndPassesOthers() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer s = TestServer
                .fromText(".:%d {\n template ANY AAAA {\n  rcode NXDOMAIN\n }\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            Message aaaa = client.udp(DnsClient.query("Svc.Example.org", Type.AAAA));
            assertEquals(Rcode.NXDOMAIN, aaaa.getRcode());
            assertTrue(aaaa.getHeader().getFlag(Flags.AA));
            assertTrue(aaaa.getHeader().getFlag(Flags.RD), "RD copied");
            assertEquals("Svc.Example.org.", aaaa.getQuestion().getName().toString(), "question as asked");
            assertEquals(0, aaaa.getHeader().getCount(Section.ANSWER) + aaaa.getHeader().getCount(Section.AUTHORITY));
            assertTrue(passedOn(client.udp(DnsClient.query("svc.example.org", Type.A))));
            Message tcp = client.tcp(DnsClient.query("x.example.org", Type.AAAA));
            assertEquals(Rcode.NXDOMAIN, tcp.getRcode());
            assertEquals(Rcode.NXDOMAIN, client.udp(DnsClient.query("x.example.org", Type.ANY)).getRcode(),
                    "a query of type ANY matches every template");
        }
    }

    private static final String IP_TEMPLATES = """
            .:%d {
              template IN A example {
                match (^|[.])ip-(?P<a>[0-9]*)-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
                match "^(?P<a>[0-9]*)[.](?P<b>[0-9]*)[.](?P<c>[0-9]*)[.](?P<d>[0-9]*)[.]ext[.]example[.]$"
                answer "{{ .Name }} 60 IN A {{ .Group.a }}.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
                fallthrough
              }
              template IN PTR in-addr.arpa {
                match ^(?P<d>[0-9]*)[.](?P<c>[0-9]*)[.](?P<b>[0-9]*)[.](?P<a>[0-9]*)[.]in-addr[.]arpa[.]$
                answer "{{ .Name }} 60 IN PTR ip-{{ .Group.a }}-{{ .Group.b }}-{{ .Group.c }}-{{ .Group.d }}.example."
              }
              template IN MX example {
                match ^ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
                answer "{{ .Name }} 60 IN MX 10 {{ .Name }}"
                additional "{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
                authority  "example. 60 IN NS ns0.example."
              }
              whoami
            }
            """;

    /**
     * A TXT answer quoting the question and the message (Question.String and Msg.String of miekg/dns
     * v1.1.50: tabs, ";" and newlines are kept inside a quoted zone-file string), and the query's
     * header fields in a name.
     */
    @Test
    void messageAndQuestionInAnswers() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer s = TestServer.fromText(
                """
                        .:%d {
                          bind 127.0.0.1
                          template IN TXT example {
                            answer "{{ .Name }} 60 IN TXT \\"{{ .Question }}\\" \\"{{ .Message }}\\""
                          }
                          template IN A example {
                            answer "id{{ .Message.Id }}-rd-{{ .Message.RecursionDesired }}-t{{ .Question.Qtype }}.{{ .Question.Name }} 60 IN A 192.0.2.1"
                          }
                        }
                        """
                        .formatted(port));
                DnsClient client = new DnsClient(port)) {
            Message query = DnsClient.query("Who.Example", Type.TXT);
            query.getHeader().setID(513);
            Message txt = client.udp(query);
            assertEquals("\";Who.Example.\\009IN\\009 TXT\" \";; opcode: QUERY, status: NOERROR, id: 513\\010"
                    + ";; flags: rd; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0\\010\\010"
                    + ";; QUESTION SECTION:\\010;Who.Example.\\009IN\\009 TXT\\010\"", only(txt, Section.ANSWER));
            Message a = DnsClient.query("Who.Example", Type.A);
            a.getHeader().setID(77);
            Message reply = client.udp(a);
            assertEquals("id77-rd-true-t1.Who.Example.",
                    reply.getSection(Section.ANSWER).getFirst().getName().toString(), reply.toString());
        }
    }

    /**
     * The regexes match, and {@code .Name}, {@code .Match} and {@code .Group} hold, the name as
     * CoreDNS's request.Name() writes it: miekg/dns's escapes, lower case (EscapedLabel). The regex
     * pins the text; a zone-file string reads the escapes back, so the TXT holds the label's bytes.
     */
    @Test
    void regexesSeeTheNameAsCoreDnsWritesIt() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                  template IN TXT example {
                    match "^(?P<label>%s)[.]example[.]$"
                    answer "{{ .Name }} 60 IN TXT \\"{{ .Group.label }}\\" \\"{{ index .Match 1 }}\\""
                  }
                }
                """.formatted(port, EscapedLabel.COREDNS_LOWER_REGEX);
        try (TestServer s = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            Message reply = client.udp(DnsClient.query(EscapedLabel.DIG + ".example", Type.TXT));
            assertEquals(Rcode.NOERROR, reply.getRcode(), reply.toString());
            Record txt = reply.getSection(Section.ANSWER).getFirst();
            assertEquals(Name.fromString(EscapedLabel.DIG + ".example."), txt.getName()); // dnsjava: ignoring case
            String bytes = "\"a b'$@\\007\""; // dnsjava quotes a TXT string: a space as is, 0x07 as \007
            assertEquals(bytes + " " + bytes, txt.rdataToString());
        }
    }

    @Test
    void anOwnerNameStartingWithDollarIsANameNotADirective() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                  template IN A example {
                    answer "{{ .Name }} 60 IN A 10.0.0.1"
                  }
                }
                """.formatted(port);
        try (TestServer s = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            // miekg/dns writes $ unescaped and reads only $TTL, $ORIGIN, $INCLUDE, $GENERATE as directives
            Message reply = client.udp(DnsClient.query("\\$x.example", Type.A));
            assertEquals(Rcode.NOERROR, reply.getRcode(), reply.toString());
            assertEquals(Name.fromString("\\$x.example."), reply.getSection(Section.ANSWER).getFirst().getName());
        }
        assertEquals(Name.fromString("\\$ttl.example."),
                TemplateReply.parse("$ttl.example. 60 IN A 10.0.0.1").getName());
    }

    @Test
    void regexGroupsAnswersAndFallthrough() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = IP_TEMPLATES.formatted(port);
        try (TestServer s = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            Message a = client.udp(DnsClient.query("www.IP-10-1-2-3.example", Type.A));
            assertEquals(Rcode.NOERROR, a.getRcode());
            assertTrue(a.getHeader().getFlag(Flags.AA));
            Record rr = a.getSection(Section.ANSWER).getFirst();
            assertTrue(rr.getName().toString().equalsIgnoreCase("www.ip-10-1-2-3.example."), rr.toString());
            assertEquals(60, rr.getTTL());
            assertEquals("10.1.2.3", ((ARecord) rr).getAddress().getHostAddress());
            assertEquals("10.9.8.7", only(client.udp(DnsClient.query("10.9.8.7.ext.example", Type.A)), Section.ANSWER),
                    "the second regex's groups");
            assertTrue(passedOn(client.udp(DnsClient.query("other.example", Type.A))), "no regex matched: fallthrough");
            assertTrue(passedOn(client.udp(DnsClient.query("ip-10-1-2-3.example.org", Type.A))), "outside every zone");

            Message ptr = client.udp(DnsClient.query("3.2.1.10.in-addr.arpa", Type.PTR));
            assertEquals("ip-10-1-2-3.example.",
                    ((PTRRecord) ptr.getSection(Section.ANSWER).getFirst()).getTarget().toString());
            Message noMatch = client.udp(DnsClient.query("x.10.in-addr.arpa", Type.PTR));
            assertEquals(Rcode.SERVFAIL, noMatch.getRcode(), "in the zone, no regex matched, no fallthrough");

            Message mx = client.tcp(DnsClient.query("ip-10-4-5-6.example", Type.MX));
            assertEquals("10 ip-10-4-5-6.example.", only(mx, Section.ANSWER));
            assertEquals("10.4.5.6", only(mx, Section.ADDITIONAL));
            assertEquals("ns0.example.", only(mx, Section.AUTHORITY));
        }
    }

    @Test
    void parseIntAndIndexMatch() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                  template IN A example {
                    match "^ip0a(?P<b>[a-f0-9]{2})(?P<c>[a-f0-9]{2})(?P<d>[a-f0-9]{2})[.]example[.]$"
                    answer "{{ .Name }} 60 IN A 10.{{ parseInt .Group.b 16 8 }}.{{ parseInt (index .Match 2) 16 8 }}.{{ parseInt .Group.d 16 8 }}"
                  }
                }
                """
                .formatted(port);
        try (TestServer s = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            assertEquals("10.123.124.255",
                    only(client.udp(DnsClient.query("ip0a7b7cff.example", Type.A)), Section.ANSWER));
        }
    }

    @Test
    void invalidZoneWithSoaEdeAndAnyClass() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                  template ANY ANY invalid {
                    rcode NXDOMAIN
                    authority "invalid. 60 {{ .Class }} SOA ns.invalid. hostmaster.invalid. (1 60 60 60 60)"
                    ederror 21 "Blocked according to RFC2606"
                  }
                  whoami
                }
                """.formatted(port);
        try (TestServer s = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            Message r = client.udp(DnsClient.withEdns(DnsClient.query("a.b.invalid", Type.A), 1232, false));
            assertEquals(Rcode.NXDOMAIN, r.getRcode());
            SOARecord soa = (SOARecord) r.getSection(Section.AUTHORITY).getFirst();
            assertEquals(60, soa.getMinimum());
            OPTRecord opt = r.getOPT();
            assertNotNull(opt, r.toString());
            assertEquals(1232, opt.getPayloadSize(), "the client's size, as the server shapes every OPT");
            assertEquals(0, opt.getFlags() & Flags.DO, "DO only if the client set it");
            ExtendedErrorCodeOption ede = (ExtendedErrorCodeOption) opt.getOptions().getFirst();
            assertEquals(21, ede.getErrorCode());
            assertEquals("Blocked according to RFC2606", ede.getText());
            Message ch = client.udp(DnsClient.query("x.invalid", Type.TXT, DClass.CH));
            assertEquals(Rcode.NXDOMAIN, ch.getRcode(), "class ANY templates answer CH queries too");
            assertEquals("CH", ch.getSection(Section.AUTHORITY).getFirst().getDClass() == DClass.CH ? "CH" : "other");
            assertTrue(passedOn(client.udp(DnsClient.query("valid.example", Type.A))));
        }
    }

    @Test
    void searchPathSuffixesAreNxdomainOthersPassOn() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                cluster.local:%d {
                  template ANY ANY {
                    match "\\.(svc\\.)?cluster\\.local\\.(default\\.)?svc\\.cluster\\.local\\.$"
                    rcode NXDOMAIN
                    fallthrough
                  }
                  whoami
                }
                """.formatted(port);
        try (TestServer s = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.NXDOMAIN,
                    client.udp(DnsClient.query("api.default.svc.cluster.local.default.svc.cluster.local", Type.A))
                            .getRcode());
            assertTrue(passedOn(client.udp(DnsClient.query("api.default.svc.cluster.local", Type.A))));
        }
    }

    @Test
    void failuresAreServfailAndCountedWithMatches() throws Exception {
        int port = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                  prometheus 127.0.0.1:%d
                  template IN A example {
                    match ^short[.]
                    answer "{{ index .Match 3 }} 60 IN A 10.0.0.1"
                    fallthrough
                  }
                  template IN A example {
                    match ^bad[.]
                    answer "{{ .Name }} 60 IN A not-an-address"
                    fallthrough
                  }
                  template IN A example {
                    rcode SERVFAIL
                  }
                }
                """.formatted(port, http);
        try (TestServer s = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("short.example", Type.A)).getRcode());
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("bad.example", Type.A)).getRcode());
            Message rcode = client.udp(DnsClient.query("other.example", Type.A));
            assertEquals(Rcode.SERVFAIL, rcode.getRcode());
            assertFalse(rcode.getHeader().getFlag(Flags.AA), "SERVFAIL templates leave the reply to the server");
            String body = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            String server = "server=\"dns://:" + port + "\"";
            assertTrue(body.contains("coredns_template_matches_total{class=\"IN\"," + server
                    + ",type=\"A\",view=\"\",zone=\"example.\"} 3.0"), body);
            assertTrue(body.contains("coredns_template_template_failures_total{class=\"IN\",section=\"answer\","
                    + server
                    + ",template=\"{{ index .Match 3 }} 60 IN A 10.0.0.1\",type=\"A\",view=\"\",zone=\"example.\"} 1.0"),
                    body);
            assertTrue(body.contains("coredns_template_rr_failures_total{class=\"IN\",section=\"answer\"," + server
                    + ",template=\"{{ .Name }} 60 IN A not-an-address\",type=\"A\",view=\"\",zone=\"example.\"} 1.0"),
                    body);
        }
    }

    /** Template lines as cluster ConfigMaps write them: a one-line block (Cilium's guide) and a root-zone HINFO block (TKE). */
    @Test
    void configMapShapes() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                    errors
                    template ANY AAAA { rcode NXDOMAIN }
                    template ANY HINFO . {
                        rcode NXDOMAIN
                    }
                    cache 30
                    whoami
                }
                """.formatted(port);
        try (TestServer s = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.NXDOMAIN,
                    client.udp(DnsClient.query("kubernetes.default.svc.cluster.local", Type.AAAA)).getRcode());
            assertEquals(Rcode.NXDOMAIN, client.udp(DnsClient.query("example.com", Type.HINFO)).getRcode());
            assertTrue(passedOn(client.udp(DnsClient.query("example.com", Type.A))));
        }
    }
}
