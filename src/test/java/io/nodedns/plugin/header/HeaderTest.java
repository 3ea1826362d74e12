package io.nodedns.plugin.header;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/** header over real sockets: response rules on the reply, query rules on what the next plugins (and upstreams) see. */
class HeaderTest {
    @Test
    void responseRulesInOrder() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText("""
                .:%d {
                    header {
                        response set ra aa rd
                        response clear rd
                    }
                    whoami
                }
                """.formatted(port)); DnsClient client = new DnsClient(port)) {
            Message m = client.udp(DnsClient.query("example.org", Type.A)); // RD set by the client
            assertTrue(m.getHeader().getFlag(Flags.RA));
            assertTrue(m.getHeader().getFlag(Flags.AA));
            assertFalse(m.getHeader().getFlag(Flags.RD), "the later clear wins");
        }
        try (TestServer server = TestServer.fromText(".:%d {\n header {\n  clear aa\n }\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            assertFalse(client.tcp(DnsClient.query("example.org", Type.A)).getHeader().getFlag(Flags.AA),
                    "the older form without a selector applies to responses (whoami sets AA)");
        }
    }

    @Test
    void queryRulesReachTheUpstream() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start();
                TestServer server = TestServer.fromText(".:%d {\n header {\n  query clear rd\n }\n forward . %s\n}\n"
                        .formatted(port, upstream.hostPort()));
                DnsClient client = new DnsClient(port)) {
            Message m = client.udp(DnsClient.query("example.org", Type.A));
            assertEquals("192.0.2.1", m.getSection(org.xbill.DNS.Section.ANSWER).getFirst().rdataToString());
            assertTrue(upstream.count(q -> !q.isProbe()) > 0);
            assertTrue(upstream.queries().stream().filter(q -> !q.isProbe()).noneMatch(FakeUpstream.Query::rd),
                    "the upstream saw RD cleared");
        }
    }

    @Test
    void setupErrors() {
        SetupErrors.assertFails(". {\n header\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(". {\n header {\n  response set ad\n }\n}\n", 3, "unknown/unsupported flag=ad");
        SetupErrors.assertFails(". {\n header {\n  query toggle rd\n }\n}\n", 3, "unknown flag action=toggle");
        SetupErrors.assertFails(". {\n header {\n  response set\n }\n}\n", 3, "at least one should be provided");
        SetupErrors.assertFails(". {\n header {\n  set ra\n }\n header {\n  set aa\n }\n}\n", 5,
                "can only be used once");
    }
}
