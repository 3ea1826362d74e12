package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.Plugins;
import io.nodedns.server.ConfigSource;
import io.nodedns.server.ListenAddress;
import io.nodedns.server.Server;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** Go-flag parsing, and -dns.port giving keys without a port their port. */
class FlagsTest {
    @Test
    void goFlagForms() {
        Flags f = Flags.parse(new String[]{"-conf", "a", "--dns.port=1054", "-quiet", "-pidfile=p"});
        assertEquals("a", f.conf());
        assertEquals(1054, f.dnsPort());
        assertTrue(f.quiet());
        assertEquals("p", f.pidfile());
        assertFalse(f.plugins());
        assertEquals(1055, Flags.parse(new String[]{"-p", "1055"}).dnsPort());
        assertFalse(Flags.parse(new String[]{"-quiet=false"}).quiet());
        Flags none = Flags.parse(new String[0]);
        assertNull(none.conf());
        assertEquals(-1, none.dnsPort());
        assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[]{"-quiet=maybe"}));
        assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[]{"-p", "http"}));
        assertEquals(Flags.AUTO_WARMUP, none.warmup());
        assertEquals(Flags.AUTO_WARMUP, Flags.parse(new String[]{"-warmup", "auto"}).warmup());
        assertEquals(0, Flags.parse(new String[]{"-warmup", "0"}).warmup());
        assertEquals(5000, Flags.parse(new String[]{"-warmup", "5000"}).warmup());
        assertEquals(20, Flags.parse(new String[]{"-warmup=20"}).warmup());
        assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[]{"-warmup", "-1"}));
        assertThrows(IllegalArgumentException.class, () -> Flags.parse(new String[]{"-warmup", "many"}));
    }

    @Test
    void dnsPortAppliesToKeysWithoutAPort() throws Exception {
        int port = FreePorts.udpAndTcp();
        Server server = new Server(Plugins.registry(),
                new ConfigSource.TextSource("Corefile", "example.org {\n whoami\n}\n"), port, k -> null);
        server.start();
        try (DnsClient client = new DnsClient(port)) {
            assertEquals(java.util.Set.of(new ListenAddress("", port)), server.listeners().keySet());
            assertEquals(Rcode.NOERROR, client.udp(DnsClient.query("www.example.org", Type.A)).getRcode());
        } finally {
            server.stop();
        }
    }
}
