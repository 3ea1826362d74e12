package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.Plugins;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.MarkerPlugin;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A reload stops the replaced configuration's plugins only once its replaced listeners have
 * drained (docs/architecture.md, Lifecycles): a query the old socket still serves runs through
 * plugins that are not stopped yet (a forward's pool open, its health checks running).
 */
class RetirementOrderTest {
    /** What a query saw: its configuration's plugins stopped while it ran through them. */
    private static final List<String> problems = new CopyOnWriteArrayList<>();
    /** Released when a slow query is in the plugin. */
    private static final Semaphore entered = new Semaphore(0);

    @TempDir
    Path dir;

    /** "slow": holds a query on the loop thread, then notes whether its instance was stopped meanwhile. */
    private static PluginRegistry registry() {
        PluginRegistry shipped = TestServer.registry();
        List<String> order = new ArrayList<>(PluginRegistry.ORDER);
        order.add("slow");
        order.add(MarkerPlugin.NAME);
        PluginRegistry r = Plugins.registerAll(new PluginRegistry(order));
        r.register(MarkerPlugin.NAME, shipped.setup(MarkerPlugin.NAME));
        r.register("slow", ctx -> {
            ctx.once().dispenser().next();
            AtomicBoolean stopped = new AtomicBoolean();
            ctx.addLifecycle(new Lifecycle() {
                @Override
                public void stop() {
                    stopped.set(true);
                }
            });
            ctx.addHandler(new ChainHandler("slow") {
                @Override
                public int serve(Exchange ex) {
                    if (ex.request().getByte(ex.query().qnameOffset() + 1) == 's') {
                        entered.release();
                        Server.sleep(java.time.Duration.ofMillis(400));
                        if (stopped.get()) {
                            problems.add("a drained query ran through a stopped plugin");
                        }
                    }
                    return next(ex);
                }
            });
        });
        return r;
    }

    private static String corefile(int port, int sockets) {
        return ".:%d {\n multisocket %d\n slow\n marker v\n}\n".formatted(port, sockets);
    }

    @Test
    void replacedPluginsStopAfterTheOldSocketsDrain() throws Exception {
        problems.clear();
        int port = FreePorts.udpAndTcp();
        Path file = dir.resolve("Corefile");
        Files.writeString(file, corefile(port, 1));
        try (TestServer server = TestServer.fromFile(file, registry());
                DnsClient client = new DnsClient(port)) {
            CompletableFuture<Message> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.udp(DnsClient.query("slow.test", Type.TXT));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertTrue(entered.tryAcquire(20, TimeUnit.SECONDS), "the old loop is in the middle of it");
            Files.writeString(file, corefile(port, 2));
            assertTrue(server.server().reload(), "reload replaces the socket");
            Message reply = slow.get(30, TimeUnit.SECONDS);
            assertNotNull(reply);
            assertEquals(Rcode.NOERROR, reply.getRcode());
            Thread.sleep(300); // the retire thread's stop, had it come first, has been seen
            assertEquals(List.of(), problems);
        }
    }
}
