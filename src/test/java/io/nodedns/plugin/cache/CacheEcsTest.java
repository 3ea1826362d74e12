package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * EDNS Client Subnet through cache and forward (RFC 7871 7.3), over real loopback sockets: the
 * upstream stand-in answers each subnet with an address of its own and echoes the client's option
 * with a scope of 24 for names under {@code scoped.}, 0 for the rest.
 */
class CacheEcsTest {
    private FakeUpstream up;
    private TestServer server;
    private DnsClient client;

    @BeforeEach
    void start() throws Exception {
        up = FakeUpstream.start().reply(CacheEcsTest::answerBySubnet);
        int port = FreePorts.udpAndTcp();
        server = TestServer.fromText(".:" + port + " {\n cache\n forward . " + up.hostPort() + "\n}\n");
        client = new DnsClient(port);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        up.close();
    }

    /** 10.0.&lt;third octet of the client's subnet&gt;.1, or 192.0.2.1 without ECS; the option echoed with its scope. */
    private static Message answerBySubnet(Message q) {
        Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
        ClientSubnetOption ecs = ecs(q);
        try {
            String address = ecs == null ? "192.0.2.1" : "10.0." + (ecs.getAddress().getAddress()[2] & 0xff) + ".1";
            r.addRecord(new ARecord(q.getQuestion().getName(), q.getQuestion().getDClass(), 300,
                    InetAddress.getByName(address)), Section.ANSWER);
            OPTRecord opt = q.getOPT();
            if (opt != null) {
                List<EDNSOption> options = ecs == null
                        ? List.of()
                        : List.of(new ClientSubnetOption(
                                ecs.getSourcePrefixLength(),
                                q.getQuestion().getName().toString().startsWith("scoped.") ? 24 : 0,
                                ecs.getAddress()));
                r.addRecord(new OPTRecord(1232, 0, 0, 0, options), Section.ADDITIONAL);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return r;
    }

    private static ClientSubnetOption ecs(Message m) {
        OPTRecord opt = m.getOPT();
        if (opt == null) {
            return null;
        }
        List<EDNSOption> found = opt.getOptions(EDNSOption.Code.CLIENT_SUBNET);
        return found.isEmpty() ? null : (ClientSubnetOption) found.getFirst();
    }

    private static Message query(String name, String subnet) throws Exception {
        Message q = DnsClient.query(name, Type.A);
        List<EDNSOption> options = subnet == null
                ? List.of()
                : List.of(new ClientSubnetOption(24, InetAddress.getByName(subnet)));
        q.addRecord(new OPTRecord(1232, 0, 0, 0, options), Section.ADDITIONAL);
        return q;
    }

    private static String address(Message r) {
        return ((ARecord) r.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress();
    }

    private long upstreamQueries() {
        return up.queries().stream().filter(q -> !q.isProbe()).count();
    }

    @Test
    void anAnswerScopedToOneSubnetIsNeverServedFromCacheToAnother() throws Exception {
        Message a = client.udp(query("scoped.ecs.test", "198.51.1.0"));
        assertEquals("10.0.1.1", address(a));
        assertEquals(24, ecs(a).getScopePrefixLength(), "the asking client gets its own option with the scope");
        assertEquals(InetAddress.getByName("198.51.1.0"), ecs(a).getAddress());

        Message b = client.udp(query("scoped.ecs.test", "198.51.2.0"));
        assertEquals("10.0.2.1", address(b), "answered for its own subnet, not from the other subnet's cache entry");
        assertEquals(InetAddress.getByName("198.51.2.0"), ecs(b).getAddress(),
                "its own option, never the other client's");

        Message c = client.udp(query("scoped.ecs.test", null));
        assertEquals("192.0.2.1", address(c), "a client without ECS is outside every scope too");
        assertNull(ecs(c), "no option for a client that sent none");
        assertEquals(3, upstreamQueries(), "a scoped answer is not stored");
        ecs(client.udp(query("scoped.ecs.test", "198.51.1.0")));
        assertEquals(4, upstreamQueries(), "not even for the subnet that asked first");
    }

    @Test
    void anAnswerWithScopeZeroIsCachedForEveryoneWithoutTheOption() throws Exception {
        Message a = client.udp(query("global.ecs.test", "198.51.1.0"));
        assertEquals("10.0.1.1", address(a));
        assertNotNull(ecs(a), "the asking client's reply keeps its option");
        assertEquals(0, ecs(a).getScopePrefixLength());

        Message b = client.udp(query("global.ecs.test", "198.51.2.0"));
        assertEquals("10.0.1.1", address(b), "scope 0: valid for all addresses (RFC 7871 7.3.1), so a hit");
        assertNull(ecs(b), "a hit carries no client's ECS option");
        assertEquals(1, upstreamQueries(), "one upstream query for both subnets");
        Message c = client.udp(DnsClient.query("global.ecs.test", Type.A));
        assertEquals("192.0.2.1", address(c), "a client without ECS gets the answer computed without a subnet");
        assertNull(c.getOPT(), "no OPT for a client without EDNS");
        assertEquals(2, upstreamQueries(), "ECS and non-ECS queries are cached apart");
        assertEquals("192.0.2.1", address(client.udp(DnsClient.query("global.ecs.test", Type.A))));
        assertEquals("10.0.1.1", address(client.udp(query("global.ecs.test", "198.51.3.0"))));
        assertEquals(2, upstreamQueries(), "both from cache now");
    }
}
