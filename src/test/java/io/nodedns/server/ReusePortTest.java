package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import java.io.IOException;
import io.nodedns.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Two servers on the same DNS, health, ready and metrics ports (SO_REUSEPORT) when asked to share
 * (-ha); either one alone keeps serving. Not asked, the second is refused, naming the address.
 */
class ReusePortTest {
    @Test
    void twoInstancesShareEveryPortOnlyWhenAsked() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int health = FreePorts.udpAndTcp();
        int ready = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        String corefile = """
                example.org:%d {
                    bind 127.0.0.1
                    health 127.0.0.1:%d
                    ready 127.0.0.1:%d
                    prometheus 127.0.0.1:%d
                    whoami
                }
                """.formatted(dns, health, ready, metrics);
        HttpClient http = HttpClient.newHttpClient();
        try (TestServer first = TestServer.fromText(corefile); DnsClient client = new DnsClient("127.0.0.1", dns)) {
            Server refused = new Server(TestServer.registry(), new ConfigSource.TextSource("Corefile", corefile), 53,
                    k -> null);
            IOException e = assertThrows(IOException.class, refused::start);
            assertTrue(
                    e.getMessage()
                            .startsWith("127.0.0.1:" + dns + " (DNS over UDP) is already served by another socket"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("-ha"), e.getMessage());
            // the HTTP ports alone are checked too
            String httpOnly = corefile.replace("example.org:" + dns, "example.org:" + FreePorts.udpAndTcp());
            Server refusedHttp = new Server(TestServer.registry(), new ConfigSource.TextSource("Corefile", httpOnly),
                    53, k -> null);
            e = assertThrows(IOException.class, refusedHttp::start);
            String message = e.getMessage();
            assertTrue(message.matches("http 127\\.0\\.0\\.1:(" + health + "/health|" + ready + "/ready|" + metrics
                    + "/metrics) is already served by another socket.*"), message);
            try (LogCapture log = new LogCapture()) {
                Server second = new Server(TestServer.registry(), new ConfigSource.TextSource("Corefile", corefile), 53,
                        k -> null);
                second.shareAddresses(true); // would fail with "Address already in use" without SO_REUSEPORT
                second.start();
                second.stop();
                assertTrue(log.lines().stream().anyMatch(l -> l.equals("[INFO] 127.0.0.1:" + dns
                        + " (DNS over UDP) is also served by another socket; sharing it as asked (-ha):"
                        + " the kernel spreads queries over both")), log.lines().toString());
            }
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("a.example.org", Type.A)).getRcode());
            for (int port : new int[]{health, ready, metrics}) {
                String path = port == health ? "/health" : port == ready ? "/ready" : "/metrics";
                assertEquals(200,
                        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode(),
                        path);
            }
        }
    }
}
