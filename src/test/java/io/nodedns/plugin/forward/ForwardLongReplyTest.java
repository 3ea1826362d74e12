package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.UdpIoMode;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Issue 17 build 5: forward reads UDP replies into 4096-byte slots. A longer reply (here 40 TXT
 * records, about 8.7 KB, to a client that advertised 65000 bytes) is cut by the kernel; forward
 * recognises its ID and question, asks the same upstream over TCP, and the client gets it whole.
 */
class ForwardLongReplyTest {
    private static Message big(Message q) {
        Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
        for (int i = 0; i < 40; i++) {
            r.addRecord(new TXTRecord(q.getQuestion().getName(), DClass.IN, 60, "x".repeat(200) + i), Section.ANSWER);
        }
        return r;
    }

    private static void check(String nativeIo) throws Exception {
        try (UdpIoMode io = UdpIoMode.set(nativeIo);
                FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n multisocket 1\n forward . " + up.hostPort() + " {\n max_fails 0\n }\n}")) {
            up.reply(ForwardLongReplyTest::big);
            Message r = s.udp(DnsClient.withEdns(DnsClient.query("long.example.org", Type.TXT), 65000, false));
            assertNotNull(r, "answered");
            assertEquals(Rcode.NOERROR, r.getRcode());
            assertEquals(40, r.getSection(Section.ANSWER).size(), "the whole reply");
            assertTrue(r.toWire().length > 8000);
            assertTrue(up.count(q -> q.tcp() && !q.isProbe()) >= 1, "asked again over TCP");
            assertEquals(1, up.count(q -> !q.tcp() && !q.isProbe()), "one UDP attempt");
        }
    }

    @Test
    void aReplyLongerThanTheSlotIsFetchedOverTcpOnTheNativePath() throws Exception {
        check("true");
    }

    @Test
    void aReplyLongerThanTheSlotIsFetchedOverTcpOnTheNioPath() throws Exception {
        check("false");
    }
}
