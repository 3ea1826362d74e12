package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** Two servers on the same DNS, health, ready and metrics ports (SO_REUSEPORT); either one alone keeps serving. */
class ReusePortTest {
    @Test
    void twoInstancesShareEveryPort() throws Exception {
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
            TestServer second = TestServer.fromText(corefile); // would fail with "Address already in use" without SO_REUSEPORT
            second.close();
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("a.example.org", Type.A)).getRcode());
            for (int port : new int[] {health, metrics}) {
                String path = port == health ? "/health" : "/metrics";
                assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode(), path);
            }
        }
    }
}
