package io.nodedns.plugin.nsid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.net.HostName;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** nsid (RFC 5001) over real sockets: replies with and without an OPT of their own. */
class NsidTest {
    private static Message askNsid(String name, int type) {
        Message q = DnsClient.query(name, type);
        q.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(EDNSOption.Code.NSID, new byte[0]))),
                Section.ADDITIONAL);
        return q;
    }

    private static String nsid(Message m) {
        OPTRecord opt = m.getOPT();
        if (opt == null) {
            return null;
        }
        List<EDNSOption> options = opt.getOptions(EDNSOption.Code.NSID);
        assertTrue(options.size() <= 1, "one NSID option: " + m);
        if (options.isEmpty()) {
            return null;
        }
        byte[] wire = options.getFirst().toWire(); // code, length, data
        return new String(wire, 4, wire.length - 4, StandardCharsets.UTF_8);
    }

    @Test
    void addsNsidOnlyWhenAsked() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(".:%d {\n nsid edge  node 7\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            Message asked = client.udp(askNsid("example.org", Type.A));
            assertEquals(Rcode.NOERROR, asked.getRcode());
            assertEquals("edge node 7", nsid(asked), "words joined by one space");
            assertEquals(1232, asked.getOPT().getPayloadSize());
            assertEquals("edge node 7", nsid(client.tcp(askNsid("example.org", Type.A))));
            assertNull(client.udp(DnsClient.query("example.org", Type.A)).getOPT(), "no EDNS, no OPT");
            assertNull(nsid(client.udp(DnsClient.withEdns(DnsClient.query("example.org", Type.A), 1232, false))));
        }
        try (TestServer server = TestServer.fromText(".:%d {\n nsid\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            assertEquals(HostName.get(), nsid(client.udp(askNsid("example.org", Type.A))));
        }
    }

    @Test
    void replacesOrAppendsInAnUpstreamOpt() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start()) {
            byte[] cookie = {1, 2, 3, 4, 5, 6, 7, 8};
            upstream.reply(q -> {
                Message r = FakeUpstream.answer(q);
                boolean withNsid = q.getQuestion().getName().toString().startsWith("has-nsid");
                List<EDNSOption> options = withNsid
                        ? List.of(
                                new GenericEDNSOption(EDNSOption.Code.NSID,
                                        "upstream-id".getBytes(StandardCharsets.UTF_8)),
                                new GenericEDNSOption(EDNSOption.Code.COOKIE, cookie))
                        : List.of(new GenericEDNSOption(EDNSOption.Code.COOKIE, cookie));
                r.addRecord(new OPTRecord(1232, 0, 0, 0, options), Section.ADDITIONAL);
                return r;
            });
            try (TestServer server = TestServer
                    .fromText(".:%d {\n nsid edge\n forward . %s\n}\n".formatted(port, upstream.hostPort()));
                    DnsClient client = new DnsClient(port)) {
                for (String name : List.of("has-nsid.example.org", "plain.example.org")) {
                    Message m = client.udp(askNsid(name, Type.A));
                    assertEquals(Rcode.NOERROR, m.getRcode(), m.toString());
                    assertEquals("192.0.2.1", m.getSection(Section.ANSWER).getFirst().rdataToString());
                    assertEquals("edge", nsid(m), name);
                    List<EDNSOption> cookies = m.getOPT().getOptions(EDNSOption.Code.COOKIE);
                    assertEquals(1, cookies.size(), "other options kept: " + m);
                }
            }
        }
    }

    @Test
    void setupErrors() {
        SetupErrors.assertFails(". {\n nsid a\n nsid b\n}\n", 3, "can only be used once per Server Block");
        SetupErrors.assertFails(". {\n nsid " + "x".repeat(513) + "\n}\n", 2, "at most 512");
    }
}
