package io.nodedns.k8stest;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import org.xbill.DNS.Message;

/**
 * A server on 127.0.0.1 for the discovery plugins' option tests: the block body under a key with
 * {@code PORT} filled in, then {@code marker fell} to answer what falls through.
 */
public record DiscoveryServer(TestServer server, int port) implements AutoCloseable {
    public static DiscoveryServer start(String key, String body, PluginRegistry registry) throws Exception {
        int port = FreePorts.udpAndTcp();
        return new DiscoveryServer(TestServer.fromText(key.replace("PORT", String.valueOf(port)) + " {\n bind 127.0.0.1\n"
                + body + "\n marker fell\n}\n", registry), port);
    }

    public Message ask(String name, int type) throws Exception {
        try (DnsClient c = new DnsClient(port)) {
            Message m = c.udp(DnsClient.query(name, type));
            assertNotNull(m, "no reply for " + name);
            return m;
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
