package io.nodedns.plugin.any;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.HINFORecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** any over UDP and TCP: RFC 8482 HINFO for ANY, everything else passes. */
class AnyTest {
    @Test
    void anyGetsTheRfc8482Hinfo() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(".:%d {\n any\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            for (Message m : new Message[]{client.udp(DnsClient.query("Example.ORG", Type.ANY)),
                    client.tcp(DnsClient.withEdns(DnsClient.query("example.org", Type.ANY), 1232, false))}) {
                assertEquals(Rcode.NOERROR, m.getRcode());
                assertEquals(1, m.getSection(Section.ANSWER).size(), m.toString());
                HINFORecord hinfo = (HINFORecord) m.getSection(Section.ANSWER).getFirst();
                assertEquals("ANY obsoleted", hinfo.getCPU());
                assertEquals("See RFC 8482", hinfo.getOS());
                assertEquals(8482, hinfo.getTTL());
                assertEquals(DClass.IN, hinfo.getDClass());
                assertEquals(m.getQuestion().getName(), hinfo.getName());
            }
            Message a = client.udp(DnsClient.query("example.org", Type.A));
            assertEquals(2, a.getSection(Section.ADDITIONAL).size(), "A went on to whoami: " + a);
        }
    }

    @Test
    void takesNoArguments() {
        SetupErrors.assertFails(". {\n any x\n}\n", 2, "Wrong argument count");
    }
}
