package io.nodedns.plugin.hosts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** coredns_hosts_entries and coredns_hosts_reload_timestamp_seconds on /metrics. */
class HostsMetricsTest {
    @TempDir
    Path dir;

    @Test
    void entriesAndReloadTimestamp() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"),
                "10.0.0.1 a.example.org b.example.org\n::1 c.example.org\n");
        Files.setLastModifiedTime(hosts, FileTime.fromMillis(1_700_000_000_000L));
        int dns = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n prometheus 127.0.0.1:%d\n hosts %s {\n 10.0.0.9 d.example.org\n }\n}\n"
                .formatted(dns, http, hosts);
        try (TestServer server = TestServer.fromText(corefile)) {
            String body = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            // file: 3 addresses + 3 reverse names; inline: 1 + 1
            assertTrue(body.contains("coredns_hosts_entries{hostsfile=\"" + hosts + "\"} 8.0"), body);
            assertTrue(body.contains("coredns_hosts_reload_timestamp_seconds 1.7E9"), body);
        }
    }
}
