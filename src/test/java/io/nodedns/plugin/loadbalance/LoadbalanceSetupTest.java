package io.nodedns.plugin.loadbalance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.SetupParse;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** CoreDNS plugin/loadbalance syntax: every form, valid and invalid, with the error's file:line. */
class LoadbalanceSetupTest {
    private static final SetupParse<LoadbalanceSetup.Config> LOADBALANCE = SetupParse.of(".", "loadbalance",
            LoadbalanceSetup::parse);

    private static PreferredSubnets prefer(String body) throws ConfigException {
        return LOADBALANCE.parse(body).prefer();
    }

    @Test
    void roundRobinForms() throws Exception {
        for (String body : List.of("loadbalance", "loadbalance round_robin", "loadbalance {}",
                "loadbalance round_robin {\n}")) {
            assertEquals(0, prefer(body).size(), body);
        }
    }

    @Test
    void preferSubnets() throws Exception {
        PreferredSubnets p = prefer(
                "loadbalance round_robin {\n prefer 10.9.20.0/24 192.168.1.7/24\n prefer 2001:db8::/32\n}");
        assertEquals(3, p.size());
        UnsafeBuffer v4 = new UnsafeBuffer(new byte[]{(byte) 192, (byte) 168, 1, (byte) 200});
        assertTrue(p.contains(1, v4, 0, 4), "host bits of the CIDR are ignored");
        assertTrue(!p.contains(0, v4, 0, 4));
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = 10;
        mapped[13] = 9;
        mapped[14] = 20;
        assertTrue(p.contains(0, new UnsafeBuffer(mapped), 0, 16), "IPv4-mapped AAAA, as Go's IPNet.Contains");
        assertEquals(1, prefer("loadbalance {\n prefer 0.0.0.0/0\n}").size());
    }

    @Test
    void malformedLines() {
        LOADBALANCE.fails("loadbalance round_robin extra", 2, "unknown property for round_robin");
        LOADBALANCE.fails("loadbalance random", 2, "unknown policy: random");
        LOADBALANCE.fails("loadbalance weighted", 2, "missing weight file argument");
        LOADBALANCE.fails("loadbalance weighted a b", 2, "unexpected argument(s)");
        LOADBALANCE.fails("loadbalance weighted w.txt {\n reload\n}", 3, "reload duration value is missing");
        LOADBALANCE.fails("loadbalance weighted w.txt {\n bogus 1\n}", 3, "unknown property 'bogus'");
        LOADBALANCE.fails("loadbalance weighted w.txt {\n reload 10s 20s\n}", 3, "unexpected argument");
        LOADBALANCE.fails("loadbalance weighted w.txt {\n reload ten\n}", 3,
                "invalid reload duration 'ten': time: invalid duration \"ten\"");
        LOADBALANCE.fails("loadbalance weighted w.txt {\n reload -1s\n}", 3, "invalid reload duration '-1s'");
        LOADBALANCE.fails("loadbalance round_robin {\n reload 10s\n}", 3, "unknown property 'reload'");
        LOADBALANCE.fails("loadbalance {\n reload 10s\n}", 3, "unknown property 'reload'");
        LOADBALANCE.fails("loadbalance {\n prefer 10.0.0.0/33\n}", 3, "invalid CIDR \"10.0.0.0/33\"");
        LOADBALANCE.fails("loadbalance {\n\n prefer 10.0.0.1\n}", 4, "invalid CIDR");
        LOADBALANCE.fails("loadbalance {\n prefer 010.0.0.0/8\n}", 3, "invalid CIDR");
        LOADBALANCE.fails("loadbalance {\n bogus\n}", 3, "unknown property 'bogus'");
    }

    @Test
    void weightedForms() throws Exception {
        LoadbalanceSetup.Config plain = LOADBALANCE.parse("loadbalance weighted w.txt");
        assertEquals(java.nio.file.Path.of("w.txt"), plain.weightFile());
        assertEquals(java.time.Duration.ofSeconds(30), plain.reload(), "CoreDNS's default");
        LoadbalanceSetup.Config both = LOADBALANCE
                .parse("loadbalance weighted /etc/w {\n reload 0\n prefer 10.0.0.0/8\n}");
        assertEquals(java.time.Duration.ZERO, both.reload());
        assertEquals(1, both.prefer().size());
        assertEquals(null, LOADBALANCE.parse("loadbalance round_robin").weightFile());
    }

    @Test
    void oncePerBlock() {
        SetupErrors.assertFails(".:53 {\n loadbalance\n loadbalance\n whoami\n}\n", 3,
                "can only be used once per Server Block");
    }
}
