package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.UdpIoMode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Issue 17 build 5: a UDP receive slot holds 4096 bytes, what a query needs. A longer datagram
 * (here an OPT padding option, RFC 7830, that makes it 4600 bytes) is cut by the kernel and
 * answered FORMERR with its ID, on both receive paths (CoreDNS reads 512 bytes and answers FORMERR
 * when the rest is missing); a 4000-byte query is read whole and answered.
 */
class OversizeUdpQueryTest {
    private static byte[] queryWithPadding(String name, int padding) throws Exception {
        Message q = DnsClient.query(name, Type.TXT);
        q.addRecord(new OPTRecord(4096, 0, 0, 0, List.of(new GenericEDNSOption(12, new byte[padding]))),
                Section.ADDITIONAL);
        return q.toWire();
    }

    private static void check(String nativeIo) throws Exception {
        int port = FreePorts.udpAndTcp();
        try (UdpIoMode io = UdpIoMode.set(nativeIo);
                TestServer server = TestServer.fromText(".:%d {\n multisocket 1\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            assertEquals(Boolean.parseBoolean(nativeIo), server.firstLoop().nativeIo());
            byte[] big = queryWithPadding("big.example.org", 4500);
            assertTrue(big.length > 4500, "longer than a slot: " + big.length);
            byte[] reply = client.udpRaw(big);
            assertNotNull(reply, "answered");
            assertEquals(big[0], reply[0]);
            assertEquals(big[1], reply[1]);
            assertEquals(Rcode.FORMERR, reply[3] & 0x0F);
            byte[] fits = queryWithPadding("fits.example.org", 3900);
            byte[] ok = client.udpRaw(fits);
            assertNotNull(ok, "answered");
            assertEquals(Rcode.NOERROR, ok[3] & 0x0F, "a 3960-byte query is read whole");
        }
    }

    @Test
    void aQueryLongerThanTheSlotIsAnsweredFormerrOnTheNativePath() throws Exception {
        check("true");
    }

    @Test
    void aQueryLongerThanTheSlotIsAnsweredFormerrOnTheNioPath() throws Exception {
        check("false");
    }
}
