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
        Server server = new Server(CacheUpstream.registry(new CacheSetup()), new ConfigSource.FileSource(corefile), 53, Map.<String, String>of()::get);
        server.start();
        try (DnsClient client = new DnsClient(port)) {
            client.udp(DnsClient.query("warm.example.org", Type.A));
            assertEquals(1, up.queries());
            // another block changes the config digest; the cache line is the same
            Files.writeString(corefile, block.formatted(port, "30") + "example.net:%d {\n cacheupstream reload-b\n}\n".formatted(other));
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
}
