package io.nodedns.plugin.bufsize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

class BufsizeTest {
    @Test
    void lowersTheClientsSizeForTruncationAndTheEcho() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer
                .fromText(".:%d {\n bufsize 600\n marker a-long-enough-text-record-value 60\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            byte[] raw = client
                    .udpRaw(DnsClient.withEdns(DnsClient.query("big.example", Type.TXT), 4096, false).toWire());
            assertTrue(raw.length <= 600 && raw.length > 512, "reply of " + raw.length + " bytes");
            Message reply = new Message(raw);
            assertTrue(reply.getHeader().getFlag(Flags.TC));
            assertEquals(600, reply.getOPT().getPayloadSize());
            // A client asking for less keeps its own size (never raised).
            byte[] small = client
                    .udpRaw(DnsClient.withEdns(DnsClient.query("big.example", Type.TXT), 520, false).toWire());
            assertTrue(small.length <= 520, "reply of " + small.length + " bytes");
        }
    }

    @Test
    void defaultsAndErrors() throws Exception {
        SetupErrors.build(".:53 {\n bufsize\n whoami\n}\n");
        assertEquals(BufsizeSetup.DEFAULT, BufsizeSetup.parse(SetupErrors.dispenser(".", "bufsize", "bufsize")));
        assertEquals(512, BufsizeSetup.parse(SetupErrors.dispenser(".", "bufsize 512", "bufsize")));
        assertEquals(4096, BufsizeSetup.parse(SetupErrors.dispenser(".", "bufsize 4096", "bufsize")));
        SetupErrors.assertFails(".:53 {\n bufsize 511\n}\n", 2, "within 512 - 4096");
        SetupErrors.assertFails(".:53 {\n bufsize 4097\n}\n", 2, "within 512 - 4096");
        SetupErrors.assertFails(".:53 {\n bufsize big\n}\n", 2, "invalid bufsize");
        SetupErrors.assertFails(".:53 {\n bufsize 1232 1232\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n bufsize\n bufsize\n}\n", 3, "only be used once");
    }
}
