package io.nodedns.plugin.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.log.Log;
import io.nodedns.server.Exchange;
import io.nodedns.testing.ThrowingHandler;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

class DebugTest {
    @TempDir
    Path dir;

    @Test
    void handlerFailureIsServfailWithItsStackLogged() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n debug\n thrower\n}\n".formatted(port);
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText(corefile, ThrowingHandler.registryAfter("debug"));
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("example.org", Type.A)).getRcode(),
                    "the loop keeps serving");
            String line = log.await("plugin/debug", 2000);
            assertEquals("[ERROR] plugin/debug: example.org. A: plugin panic: java.lang.IllegalStateException: boom",
                    line);
            ThrowingHandler.assertStackFollows(log, line);
            assertEquals(Rcode.SERVFAIL, client.tcp(DnsClient.query("example.org", Type.A)).getRcode(),
                    "and so does TCP");
        }
    }

    @Test
    void withoutDebugNoStack() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n thrower\n}\n".formatted(port);
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer.fromText(corefile, ThrowingHandler.registryAfter("debug"));
                DnsClient client = new DnsClient(port)) {
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("example.org", Type.A)).getRcode());
            Thread.sleep(200);
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("plugin/debug") || l.startsWith("\tat ")),
                    log.lines().toString());
        }
    }

    /** Debug lines print while a configuration with debug serves, and stop after a reload drops it. */
    @Test
    void debugLinesFollowTheServingConfiguration() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, ".:%d {\n debug\n whoami\n}\n".formatted(port));
        try (LogCapture log = new LogCapture()) {
            Log.debug("test", "before start");
            try (TestServer server = TestServer.fromFile(corefile)) {
                Log.debug("test", "while debug serves");
                Files.writeString(corefile, ".:%d {\n debug\n whoami\n log\n}\n".formatted(port));
                assertTrue(server.server().reload());
                Log.debug("test", "after a reload that keeps debug");
                Files.writeString(corefile, ".:%d {\n whoami\n}\n".formatted(port));
                assertTrue(server.server().reload());
                Log.debug("test", "after a reload without debug");
            }
            assertNull(log.await("before start", 50));
            assertNotNull(log.await("[DEBUG] plugin/test: while debug serves", 50));
            assertNotNull(log.await("[DEBUG] plugin/test: after a reload that keeps debug", 50));
            assertNull(log.await("after a reload without debug", 50));
        }
    }

    @Test
    void malformedDebug() {
        SetupErrors.assertFails(".:53 {\n debug on\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n debug {\n  stack\n }\n}\n", 3, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n debug\n debug\n}\n", 3, "only be used once");
    }
}
