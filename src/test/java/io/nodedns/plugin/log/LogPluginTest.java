package io.nodedns.plugin.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Exchange;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.EscapedLabel;
import io.nodedns.testing.LoopAllocations;
import java.util.List;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

class LogPluginTest {
    @Test
    void defaultLineHasCoreDnsCommonFormat() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText(".:%d {\n log\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            Message q = DnsClient.withEdns(DnsClient.query("Example.ORG", Type.AAAA), 4096, true);
            q.getHeader().setID(29008);
            client.udp(q);
            String line = log.await("29008", 2000);
            assertNotNull(line, log.lines().toString());
            // [INFO] 127.0.0.1:50759 - 29008 "AAAA IN example.org. udp 41 true 4096" NOERROR qr,aa,rd 68 0.000305s
            String pattern = "\\[INFO\\] 127\\.0\\.0\\.1:\\d+ - 29008 \"AAAA IN example\\.org\\. udp "
                    + q.toWire().length + " true 4096\" NOERROR qr,aa,rd \\d+ \\d+(\\.\\d+)?s";
            assertTrue(line.matches(pattern), line);
        }
    }

    /** {name} is CoreDNS's request.Name(): miekg/dns's escapes, lower case (EscapedLabel). */
    @Test
    void nameIsWrittenAsCoreDnsWritesIt() {
        Exchange ex = LoopAllocations.exchanges(List.of(DnsClient.query(EscapedLabel.DIG + ".Example.org", Type.A)))[0];
        assertEquals(EscapedLabel.COREDNS_LOWER + ".example.org.", LogFormat.value("name", ex));
    }

    @Test
    void namesFormatAndClassFilterSelectTheFirstMatchingRule() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                    log example.org "{type} {name} {rcode} {proto} {>bufsize} {unknown}"
                    log . {
                        class denial
                    }
                    whoami
                }
                """.formatted(port);
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText(corefile);
                DnsClient client = new DnsClient(port)) {
            client.udp(DnsClient.query("www.example.org", Type.MX));
            client.tcp(DnsClient.query("other.example.net", Type.A));
            client.udp(DnsClient.query("sync.example.org", Type.TXT));
            assertNotNull(log.await("TXT sync.example.org.", 2000));
            // the whole line, in the first rule's format (the start-up lines come before it)
            assertEquals("[INFO] MX www.example.org. NOERROR udp 512 -", log.await("MX www.example.org.", 2000));
            // whoami answers NOERROR with no answer records and no SOA: a denial (NODATA) for the second rule
            assertNotNull(log.await("other.example.net.", 2000), log.lines().toString());
        }
    }

    @Test
    void successOnlyRuleSkipsDenials() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText((".:%d {\n log control.example {\n  class denial\n }\n"
                        + " log nodata.example {\n  class success error\n }\n whoami\n}\n").formatted(port));
                DnsClient client = new DnsClient(port)) {
            // The positive control: the same empty answer, under a rule for denials, is logged.
            client.udp(DnsClient.query("control.example", Type.A));
            assertNotNull(log.await("control.example.", 2000),
                    "a denial rule logs whoami's empty answer: " + log.lines());
            client.udp(DnsClient.query("nodata.example", Type.A));
            Thread.sleep(200);
            assertNull(log.await("nodata.example", 100), "whoami's empty answer is a denial and is not logged");
        }
    }

    @Test
    void durationsLookLikeGo() {
        assertEquals("0.000305s", LogFormat.seconds(305_000));
        assertEquals("1s", LogFormat.seconds(1_000_000_000));
        assertEquals("1.5s", LogFormat.seconds(1_500_000_000));
        assertEquals("qr,aa,tc,rd,ra,z,ad,cd", LogFormat.flags(0xFFF0));
    }
}
