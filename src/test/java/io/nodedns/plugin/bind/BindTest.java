package io.nodedns.plugin.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.Instance;
import io.nodedns.server.ListenAddress;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class BindTest {
    private static String marker(String host, int port, String name) throws Exception {
        try (DnsClient client = new DnsClient(host, port)) {
            Message reply = client.udp(DnsClient.query(name, Type.A));
            if (reply.getRcode() != Rcode.NOERROR) {
                return Rcode.string(reply.getRcode());
            }
            return ((TXTRecord) reply.getSection(Section.ANSWER).getFirst()).getStrings().getFirst();
        }
    }

    /** CoreDNS core/dnsserver listeners: a bound block and an unbound one on one port are two listeners; the bound IP sees only its block. */
    @Test
    void boundAndUnboundBlocksSplitListeners() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%1$d {
                    bind 127.0.0.1
                    marker bound
                }
                com.:%1$d {
                    marker wildcard
                }
                """.formatted(port);
        try (TestServer server = TestServer.fromText(corefile)) {
            assertEquals(Set.of(new ListenAddress("127.0.0.1", port), new ListenAddress("", port)),
                    server.server().listeners().keySet());
            assertEquals("bound", marker("127.0.0.1", port, "x.com"));
            assertEquals("bound", marker("127.0.0.1", port, "x.org"));
            assertEquals("wildcard", marker("127.0.0.2", port, "x.com"));
            assertEquals("REFUSED", marker("127.0.0.2", port, "x.org"));
        }
    }

    /**
     * A wildcard listener answers from the address the query was sent to (IP_PKTINFO), so clients
     * with connected sockets (glibc's resolver, and {@link DnsClient}) accept the reply.
     */
    @Test
    void wildcardListenerRepliesFromTheQueriedAddress() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(".:%d {\n marker any\n}\n".formatted(port))) {
            for (String host : new String[]{"127.0.0.1", "127.0.0.2", "127.0.0.53", "::1"}) {
                try {
                    assertEquals("any", marker(host, port, "x.org"), "reply to a query sent to " + host);
                } catch (java.net.SocketException e) {
                    org.junit.jupiter.api.Assumptions.assumeFalse(host.equals("::1"), "no IPv6 loopback");
                    throw e;
                }
            }
        }
    }

    @Test
    void bothBlocksBoundToTheSameAddressesShareListeners() throws Exception {
        Instance instance = SetupErrors.build("""
                a.example:1053 {
                    bind 127.0.0.1 ::1
                    whoami
                }
                b.example:1053 {
                    bind 127.0.0.1
                    bind ::1
                    whoami
                }
                """);
        assertEquals(Set.of(new ListenAddress("127.0.0.1", 1053), new ListenAddress("::1", 1053)),
                instance.plans().keySet());
        for (Instance.ListenerPlan plan : instance.plans().values()) {
            assertEquals(List.of("a.example.", "b.example."), plan.zones());
        }
    }

    @Test
    void interfacesExpandAndExceptRemoves() throws Exception {
        InterfaceAddresses fake = name -> name.equals("eth9")
                ? List.of("10.1.2.3", "fe80::1%eth9", "2001:db8::5")
                : null;
        var registry = TestServer.registry().register("bind", new BindSetup(fake));
        var blocks = io.nodedns.config.Corefile.parse("Corefile", """
                .:53 {
                    bind eth9 {
                        except 2001:db8:0::5
                    }
                    bind 127.0.0.1
                    whoami
                }
                """, registry::isKnown, k -> null);
        Instance instance = Instance.build(blocks, registry, new io.nodedns.server.Shared(), 53);
        Set<String> hosts = new TreeSet<>();
        instance.plans().keySet().forEach(a -> hosts.add(a.host()));
        assertEquals(new TreeSet<>(List.of("10.1.2.3", "fe80::1%eth9", "127.0.0.1")), hosts);
    }

    @Test
    void realLoopbackInterfaceResolves() {
        List<String> lo = InterfaceAddresses.SYSTEM.addressesOf("lo");
        org.junit.jupiter.api.Assumptions.assumeTrue(lo != null, "no lo interface here");
        assertEquals(true, lo.contains("127.0.0.1"), lo.toString());
    }

    @Test
    void ipLiteralsAreCanonical() {
        assertEquals("::1", IpLiteral.normalize("0:0:0:0:0:0:0:1"));
        assertEquals("2001:db8::5", IpLiteral.normalize("2001:DB8:0:0::5"));
        assertEquals("10.0.0.1", IpLiteral.normalize("10.0.0.1"));
        assertEquals(null, IpLiteral.normalize("example.org"));
        assertEquals(null, IpLiteral.normalize("300.1.1.1"));
    }

    @Test
    void malformedBind() {
        SetupErrors.assertFails(".:53 {\n bind\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n whoami\n bind no-such-interface-xyz\n}\n", 3,
                "not a valid IP address or interface");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1 {\n  except\n }\n}\n", 3, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1 {\n  only 127.0.0.1\n }\n}\n", 3, "unknown property 'only'");
        SetupErrors.assertFails(".:53 {\n bind 127.0.0.1 {\n  except 127.0.0.1\n }\n}\n", 2, "no address left");
    }

    @Test
    void overlapsAreRejected() {
        SetupErrors.assertFails("example.org:53 {\n whoami\n}\nexample.org:53 {\n whoami\n}\n", 4, "already defined");
        SetupErrors.assertFails("example.org:53 example.org:53 {\n whoami\n}\n", 1, "already defined");
        SetupErrors.assertFails("example.org:53 {\n bind 127.0.0.1\n whoami\n}\nexample.org:53 {\n whoami\n}\n", 5,
                "zone overlap listener capacity");
        SetupErrors.assertFails("example.org:53 {\n whoami\n}\nexample.org:53 {\n bind 127.0.0.1\n whoami\n}\n", 4,
                "zone overlap listener capacity");
    }
}
