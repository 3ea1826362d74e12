package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.ConfigSource;
import io.nodedns.server.Server;
import io.nodedns.testing.CacheUpstream;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** A reload that keeps the cache configuration keeps the warm entries; a changed one starts cold. */
class CacheReloadTest {
    @TempDir
    Path dir;

    @Test
    void sameCacheConfigKeepsEntriesAcrossReload() throws Exception {
        CacheUpstream up = CacheUpstream.create("reload-a");
        CacheUpstream.create("reload-b");
        up.answer(q -> Replies.answerA(q, 300, "192.0.2.1"));
        int port = FreePorts.udpAndTcp();
        int other = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        String block = ".:%d {\n cache %s\n cacheupstream reload-a\n}\n";
        Files.writeString(corefile, block.formatted(port, "30"));
        Server server = new Server(CacheUpstream.registry(new CacheSetup()), new ConfigSource.FileSource(corefile), 53,
                Map.<String, String>of()::get);
        server.start();
        try (DnsClient client = new DnsClient(port)) {
            client.udp(DnsClient.query("warm.example.org", Type.A));
            assertEquals(1, up.queries());
            // another block changes the config digest; the cache line is the same
            Files.writeString(corefile,
                    block.formatted(port, "30") + "example.net:%d {\n cacheupstream reload-b\n}\n".formatted(other));
            assertTrue(server.reload());
            assertEquals(30, client.udp(DnsClient.query("warm.example.org", Type.A)).getSection(1).getFirst().getTTL());
            assertEquals(1, up.queries(), "still a hit after the reload");
            Files.writeString(corefile, block.formatted(port, "20"));
            assertTrue(server.reload());
            client.udp(DnsClient.query("warm.example.org", Type.A));
            assertEquals(2, up.queries(), "a different cache config starts empty");
        } finally {
            server.stop();
        }
    }

    /** Issue 17 build 2: a replaced cache is released: nothing keeps its stores once the reload is done. */
    @Test
    void replacedCachesAreReleased() throws Exception {
        CacheUpstream up = CacheUpstream.create("reload-c");
        up.answer(q -> Replies.answerA(q, 300, "192.0.2.1"));
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        String block = ".:%d {\n cache %s\n cacheupstream reload-c\n}\n";
        Files.writeString(corefile, block.formatted(port, "30"));
        List<WeakReference<CacheState>> states = new ArrayList<>();
        CacheSetup setup = new CacheSetup(CacheClock.SYSTEM, p -> states.add(new WeakReference<>(p.state)));
        Server server = new Server(CacheUpstream.registry(setup), new ConfigSource.FileSource(corefile), 53,
                Map.<String, String>of()::get);
        server.start();
        try (DnsClient client = new DnsClient(port)) {
            for (int i = 0; i < 6; i++) {
                client.udp(DnsClient.query("n" + i + ".example.org", Type.A));
                Files.writeString(corefile, block.formatted(port, i % 2 == 0 ? "20" : "30"));
                assertTrue(server.reload());
            }
            assertEquals(7, states.size());
            CacheState current = states.getLast().get();
            assertTrue(current != null);
            for (int i = 0; i < 20 && states.stream().filter(r -> r.get() != null).count() > 1; i++) {
                System.gc();
                Thread.sleep(20);
            }
            StringBuilder alive = new StringBuilder();
            for (int i = 0; i < states.size(); i++) {
                alive.append(states.get(i).get() != null ? " " + i : "");
            }
            assertEquals(1, states.stream().filter(r -> r.get() != null).count(),
                    "only the running cache is reachable:" + alive);
            assertTrue(client.udp(DnsClient.query("n0.example.org", Type.A)) != null);
        } finally {
            server.stop();
        }
    }
}
