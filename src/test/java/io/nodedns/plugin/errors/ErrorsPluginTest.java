package io.nodedns.plugin.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Exchange;
import io.nodedns.testing.ThrowingHandler;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.EscapedLabel;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

class ErrorsPluginTest {
    /** A block whose only handler passes on to nothing: CoreDNS's "no next plugin found". */
    private static final String NO_NEXT = """
            .:%d {
                errors%s
                log
            }
            """;

    @Test
    void logsThePluginErrorWithRcodeNameAndType() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText(NO_NEXT.formatted(port, ""));
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
            String line = log.await("plugin/errors", 2000);
            assertEquals("[ERROR] plugin/errors: 2 example.org. A: plugin/log: no next plugin found", line);
            // the name as CoreDNS's request.Name() writes it: miekg/dns's escapes, lower case (EscapedLabel)
            client.udp(DnsClient.query(EscapedLabel.DIG + ".example.org", Type.A));
            assertEquals("[ERROR] plugin/errors: 2 " + EscapedLabel.COREDNS_LOWER
                    + ".example.org. A: plugin/log: no next plugin found", log.await("plugin/errors: 2 a", 2000));
        }
    }

    @Test
    void consolidateCountsMatchingErrorsIntoOneLine() throws Exception {
        int port = FreePorts.udpAndTcp();
        String block = " {\n  consolidate 1s \"no next\" warning\n }";
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText(NO_NEXT.formatted(port, block));
                DnsClient client = new DnsClient(port)) {
            for (int i = 0; i < 5; i++) {
                client.udp(DnsClient.query("n" + i + ".example.org", Type.A));
            }
            String summary = log.await("errors like", 3000);
            assertNotNull(summary, log.lines().toString());
            assertEquals("[WARNING] plugin/errors: 5 errors like 'no next' occurred in last 1s", summary);
            assertTrue(log.lines().stream().noneMatch(l -> l.startsWith("[ERROR]")));
        }
    }

    @Test
    void stacktraceLogsTheJavaStackOfAFailedHandler() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n errors {\n  stacktrace\n }\n thrower\n}\n".formatted(port);
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText(corefile, ThrowingHandler.registryAfter("errors"));
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
            String line = log.await("plugin/errors", 2000);
            assertEquals("[ERROR] plugin/errors: 2 example.org. A: plugin panic: java.lang.IllegalStateException: boom",
                    line);
            ThrowingHandler.assertStackFollows(log, line);
        }
    }

    @Test
    void withoutStacktraceOnlyTheErrorLine() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n errors\n thrower\n}\n".formatted(port);
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText(corefile, ThrowingHandler.registryAfter("errors"));
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
            assertNotNull(log.await("plugin/errors", 2000));
            assertTrue(log.lines().stream().noneMatch(l -> l.startsWith("\tat ")), log.lines().toString());
        }
    }

    /** The option errors, each at its line, are ErrorsSetupTest's. */
    @Test
    void oncePerBlock() {
        SetupErrors.assertFails(".:53 {\n errors\n errors\n}\n", 3, "only be used once");
    }
}
