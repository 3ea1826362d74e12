package io.nodedns.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** The upstream's query log: bounded, every query counted, never read partially. */
@Unmeasured
class FakeUpstreamTest {
    @Test
    void logCountsEveryQueryAndRefusesToReadPastWhatItKeeps() throws Exception {
        try (FakeUpstream up = FakeUpstream.start(); DnsClient client = new DnsClient(up.port())) {
            assertNotNull(client.udpRaw(DnsClient.query("probe.test", Type.NS).toWire()));
            byte[] a = DnsClient.query("log.test", Type.A).toWire();
            for (int i = 0; i < FakeUpstream.LOG_CAPACITY; i++) {
                assertNotNull(client.udpRaw(a), "reply " + i); // logged before it is answered
            }
            // one more than the log keeps: the probe fell out of it, but both counts stay exact
            assertEquals(FakeUpstream.LOG_CAPACITY, up.clientQueries());
            assertEquals(1, up.probes());
            assertThrows(IllegalStateException.class, up::queries);
            assertThrows(IllegalStateException.class, () -> up.count(q -> true));

            up.clear();
            assertEquals(List.of(), up.queries());
            assertNotNull(client.udpRaw(a));
            assertEquals(List.of("log.test."), up.queries().stream().map(FakeUpstream.Query::name).toList());
            assertEquals(1, up.clientQueries());
            assertEquals(0, up.probes());
        }
    }
}
