package io.nodedns.k8stest;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * A server on 127.0.0.1 for the discovery plugins' option tests: the block body under a key with
 * {@code PORT} filled in, then {@code marker fell} to answer what falls through.
 */
public record DiscoveryServer(TestServer server, int port) implements AutoCloseable {
    public static DiscoveryServer start(String key, String body, PluginRegistry registry) throws Exception {
        int port = FreePorts.udpAndTcp();
        return new DiscoveryServer(
                TestServer.fromText(key.replace("PORT", String.valueOf(port)) + " {\n bind 127.0.0.1\n"
                        + body + "\n marker fell\n}\n", registry),
                port);
    }

    public Message ask(String name, int type) throws Exception {
        try (DnsClient c = new DnsClient(port)) {
            Message m = c.udp(DnsClient.query(name, type));
            assertNotNull(m, "no reply for " + name);
            return m;
        }
    }

    /** True when the reply is the {@code marker fell} answer: the plugin fell through. */
    public static boolean fellThrough(Message m) {
        return m.getSection(Section.ANSWER).size() == 1
                && m.getSection(Section.ANSWER).getFirst() instanceof TXTRecord t
                && t.getStrings().equals(List.of("fell"));
    }

    /** The resource collections listed (not watched) since the last clear, as "path?labelSelector". */
    public static Set<String> listed(StandInApiServer api) {
        Set<String> out = new TreeSet<>();
        for (RecordedRequest r : api.requests()) {
            long segments = r.path().chars().filter(c -> c == '/').count();
            boolean discovery = r.path().startsWith("/apis") ? segments <= 3 : segments <= 2; // /apis/GROUP, /api/v1
            if (r.isList() && !discovery) {
                String selector = r.query().get("labelSelector");
                out.add(r.path() + (selector == null ? "" : "?" + selector));
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.close();
    }
}
