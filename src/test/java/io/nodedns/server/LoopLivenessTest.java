package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LocalHttp;
import io.nodedns.testing.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Issue 23, items 1 and 2: nothing a query does ends a loop (errors are caught and counted,
 * including a failed direct-memory allocation), and /health and /ready fail while a UDP loop or
 * the TCP acceptor has stopped, which only the package-private test hooks can do.
 */
class LoopLivenessTest {
    /** A plugin that throws what a query name asks for: "oom." a failed direct allocation, "soe." a stack overflow. */
    private static PluginRegistry throwingRegistry() {
        PluginRegistry registry = TestServer.registry();
        List<String> order = new ArrayList<>(PluginRegistry.ORDER);
        order.add("thrower");
        order.add(io.nodedns.testing.MarkerPlugin.NAME);
        PluginRegistry r = io.nodedns.plugin.Plugins.registerAll(new PluginRegistry(order));
        r.register(io.nodedns.testing.MarkerPlugin.NAME, registry.setup(io.nodedns.testing.MarkerPlugin.NAME));
        r.register("thrower", ctx -> {
            ctx.once().dispenser().next();
            ctx.addHandler(new ChainHandler("thrower") {
                @Override
                public int serve(Exchange ex) {
                    int first = ex.request().getByte(ex.query().qnameOffset() + 1);
                    if (first == 'o') {
                        throw new OutOfMemoryError(
                                "Cannot reserve 4096 bytes of direct buffer memory (allocated: 1, limit: 1)");
                    }
                    if (first == 's') {
                        throw new StackOverflowError();
                    }
                    if (first == 'l') {
                        throw new LinkageError("test");
                    }
                    return next(ex);
                }
            });
        });
        return r;
    }

    @Test
    @Timeout(60)
    void errorsInALoopAreCountedAndTheLoopGoesOn() throws Exception {
        int dns = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n multisocket 1\n thrower\n marker ok\n}\n".formatted(dns);
        try (TestServer server = TestServer.fromText(corefile, throwingRegistry());
                DnsClient client = new DnsClient(dns)) {
            UdpLoop loop = server.firstLoop();
            assertTrue(client.udpExpectSilence(DnsClient.query("oom.test", Type.TXT).toWire(), 300), "shed: no reply");
            assertTrue(client.udpExpectSilence(DnsClient.query("lnk.test", Type.TXT).toWire(), 300), "no reply");
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("soe.test", Type.TXT)).getRcode(), "a panic");
            Message ok = client.udp(DnsClient.query("fine.test", Type.TXT));
            assertNotNull(ok);
            assertEquals(Rcode.NOERROR, ok.getRcode());
            assertEquals(2, loop.errors.count(), "each error counted");
            assertEquals(1, server.firstListener().panics());
            assertFalse(loop.failed());
            assertEquals(null, server.server().shared().servingProblem());
        }
    }

    @Test
    void fatalOnlyForErrorsTheJvmCannotRecoverFrom() {
        assertFalse(LoopErrors.fatal(
                new OutOfMemoryError("Cannot reserve 4096 bytes of direct buffer memory (allocated: 1, limit: 2)")));
        assertFalse(LoopErrors.fatal(new StackOverflowError()));
        assertFalse(LoopErrors.fatal(new LinkageError("x")));
        assertFalse(LoopErrors.fatal(new IllegalStateException("x")));
        assertTrue(LoopErrors.fatal(new OutOfMemoryError("Java heap space")));
        assertTrue(LoopErrors.fatal(new InternalError("x")));
    }

    @Test
    @Timeout(60)
    void healthAndReadyFailWhileALoopOrTheAcceptorIsStopped() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int health = FreePorts.udpAndTcp();
        int ready = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n multisocket 2\n health 127.0.0.1:%d\n ready 127.0.0.1:%d\n whoami\n}\n"
                .formatted(dns, health, ready);
        try (TestServer server = TestServer.fromText(corefile)) {
            assertEquals(200, LocalHttp.get(health, "/health").statusCode());
            assertEquals(200, LocalHttp.get(ready, "/ready").statusCode());
            UdpLoop second = server.firstListener().loops().get(1);
            second.abandonForTest();
            HttpResponse<String> h = waitFor(health, "/health", 503);
            assertEquals(503, h.statusCode(), h.body());
            assertTrue(h.body().contains("udp loop 1 of dns://:" + dns), h.body());
            assertEquals(503, LocalHttp.get(ready, "/ready").statusCode());
        }
        try (TestServer server = TestServer.fromText(corefile)) {
            assertEquals(200, LocalHttp.get(health, "/health").statusCode());
            server.firstListener().tcpServer().abandonAcceptorForTest();
            HttpResponse<String> h = waitFor(health, "/health", 503);
            assertEquals(503, h.statusCode(), h.body());
            assertTrue(h.body().contains("tcp acceptor"), h.body());
        }
    }

    private static HttpResponse<String> waitFor(int port, String path, int status) throws Exception {
        HttpResponse<String> r = LocalHttp.get(port, path);
        for (int i = 0; i < 100 && r.statusCode() != status; i++) {
            Thread.sleep(20);
            r = LocalHttp.get(port, path);
        }
        return r;
    }
}
