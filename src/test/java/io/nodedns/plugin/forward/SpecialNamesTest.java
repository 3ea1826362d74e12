package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** RFC 6761 6.3 and 6.4 over loopback sockets: forward answers localhost. and invalid. itself. */
class SpecialNamesTest {

    @Test
    void localhostIsLoopbackAndInvalidDoesNotExistWithoutAskingTheUpstream() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n cache 30\n forward . " + up.hostPort() + "\n}")) {
            for (String name : new String[]{"localhost", "LocalHost", "app.svc.localhost"}) {
                Message a = s.udp(DnsClient.query(name, Type.A));
                assertEquals(Rcode.NOERROR, a.getRcode(), name);
                if (name.equals("localhost")) {
                    assertTrue(a.getHeader().getFlag(Flags.AA), "forward's own answer; a cache hit clears AA");
                }
                Record ra = a.getSection(Section.ANSWER).getFirst();
                assertEquals(name + ".", ra.getName().toString(), "owner in the client's case");
                assertEquals("127.0.0.1", ((ARecord) ra).getAddress().getHostAddress(), name);

                Message aaaa = s.tcp(DnsClient.query(name, Type.AAAA));
                assertEquals("0:0:0:0:0:0:0:1",
                        ((AAAARecord) aaaa.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress(), name);

                Message mx = s.udp(DnsClient.query(name, Type.MX));
                assertEquals(Rcode.NOERROR, mx.getRcode(), "NODATA for other types: " + name);
                assertEquals(0, mx.getSection(Section.ANSWER).size());
                SOARecord soa = (SOARecord) mx.getSection(Section.AUTHORITY).getFirst();
                assertEquals("localhost.", soa.getName().toString().toLowerCase(java.util.Locale.ROOT));
                assertEquals(10800, soa.getMinimum());
            }
            for (String name : new String[]{"invalid", "foo.bar.INVALID"}) {
                Message r = s.udp(DnsClient.withEdns(DnsClient.query(name, Type.A), 1232, false));
                assertEquals(Rcode.NXDOMAIN, r.getRcode(), name);
                assertEquals(0, r.getSection(Section.ANSWER).size());
                SOARecord soa = (SOARecord) r.getSection(Section.AUTHORITY).getFirst();
                assertEquals("invalid.", soa.getName().toString().toLowerCase(java.util.Locale.ROOT));
                assertEquals("localhost.", soa.getHost().toString());
                assertEquals("nobody.invalid.", soa.getAdmin().toString());
                assertNotNull(r.getOPT(), "the reply is shaped like any other");
            }
            assertEquals(0, up.clientQueries(), "RFC 6761: never asked upstream");
            // Names that merely contain the labels are forwarded as usual.
            Message other = s.udp(DnsClient.query("localhost.example.org", Type.A));
            assertEquals("192.0.2.1",
                    ((ARecord) other.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress());
            s.udp(DnsClient.query("invalid.example.org", Type.A));
            assertEquals(2, up.clientQueries());
        }
    }

    @Test
    void forwardSpecialUseSendsThemUpstreamAsCorednsDoes() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n forward . " + up.hostPort() + " {\n forward_special_use\n }\n}")) {
            Message a = s.udp(DnsClient.query("localhost", Type.A));
            assertEquals("192.0.2.1",
                    ((ARecord) a.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress());
            assertEquals(Rcode.NOERROR, s.udp(DnsClient.query("x.invalid", Type.A)).getRcode());
            assertEquals(2, up.clientQueries());
        }
    }

    @Test
    void pluginsBeforeForwardStillAnswerFirst() throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n hosts {\n 127.0.0.53 localhost\n fallthrough\n }\n"
                        + " forward . " + up.hostPort() + "\n}")) {
            Message a = s.udp(DnsClient.query("localhost", Type.A));
            assertEquals("127.0.0.53",
                    ((ARecord) a.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress());
            assertEquals(0, up.clientQueries());
        }
    }
}
