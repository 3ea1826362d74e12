package io.nodedns.plugin.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.config.Fallthrough;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.LoopAllocations;
import io.nodedns.wire.DnsHeader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The per-query path (lookup and reply) allocates nothing: A, wildcard, PTR, NODATA and SERVFAIL. */
class HostsAllocationTest {
    @Test
    void lookupsAndRepliesAllocateNothing() throws Exception {
        HostsConfig config = new HostsConfig(Path.of("/nonexistent/hosts"), List.of("example.org."),
                List.of("10.0.0.1 www.example.org", "10.0.0.2 www.example.org", "2001:db8::1 *.wild.example.org"),
                3600, true, Duration.ZERO, Fallthrough.NEVER, false);
        HostsHandler handler = new HostsHandler(new HostsSource(config));
        List<Message> queries = List.of(DnsClient.query("WWW.example.org", Type.A),
                DnsClient.query("x.wild.example.org", Type.AAAA),
                DnsClient.query(ReverseMap.fromAddress("10.0.0.2").toString(), Type.PTR),
                DnsClient.query("www.example.org", Type.TXT),
                DnsClient.query("missing.example.org", Type.A));
        int[] expected = {Result.WRITTEN, Result.WRITTEN, Result.WRITTEN, Result.WRITTEN, DnsHeader.RCODE_SERVFAIL};
        Exchange[] exchanges = LoopAllocations.exchanges(queries);
        for (int i = 0; i < exchanges.length; i++) {
            assertEquals(expected[i], handler.serve(exchanges[i]), queries.get(i).getQuestion().toString());
        }
        byte[] reply = new byte[exchanges[0].responseLength()];
        exchanges[0].response().getBytes(0, reply);
        assertEquals(2, new Message(reply).getSection(Section.ANSWER).size());
        LoopAllocations.serve(handler, exchanges).assertNothingAllocated();
    }
}
