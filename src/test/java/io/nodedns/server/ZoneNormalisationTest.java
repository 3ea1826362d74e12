package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Issue 21 item 5: a key written {@code .svc} (as some ConfigMaps do) loads and serves the zone svc. like CoreDNS. */
class ZoneNormalisationTest {
    @Test
    void leadingDotKeyServesTheZoneWithoutIt() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .svc:%1$d {
                    whoami
                }
                .:%1$d {
                    hosts {
                        192.0.2.7 other.example
                    }
                }
                """.formatted(port);
        try (TestServer server = TestServer.fromText(corefile); DnsClient client = new DnsClient("127.0.0.1", port)) {
            Message svc = client.udp(DnsClient.query("kube-dns.kube-system.svc", Type.A));
            assertEquals(Rcode.NOERROR, svc.getRcode());
            assertEquals(2, svc.getSection(Section.ADDITIONAL).size(), "whoami answered for svc.: " + svc);
            Message other = client.udp(DnsClient.query("other.example", Type.A));
            assertEquals(0, other.getSection(Section.ADDITIONAL).size(), "the root block answered: " + other);
            assertEquals("192.0.2.7", other.getSection(Section.ANSWER).getFirst().rdataToString());
        }
    }
}
