package io.nodedns.plugin.file;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.LoopAllocations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The per-query path allocates nothing, whether the reply is written from the packed records
 * (A, TXT, wildcard) or precomputed (apex, CNAME chain, MX, referral, NXDOMAIN, NODATA).
 */
class FileAllocationTest {
    @TempDir
    Path dir;

    @Test
    void lookupsAndRepliesAllocateNothing() throws Exception {
        Path zone = dir.resolve("db.example.org");
        Files.writeString(zone, """
                $ORIGIN example.org.
                $TTL 300
                @ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
                @ IN NS ns1
                ns1 IN A 192.0.2.1
                www IN A 192.0.2.10
                www IN A 192.0.2.11
                txt IN TXT "hello"
                alias IN CNAME www
                @ IN MX 10 www
                *.w IN A 192.0.2.9
                sub IN NS ns.sub
                ns.sub IN A 192.0.2.53
                """);
        ZoneSlot slot = new ZoneSlot(Name.fromString("example.org."), zone, Duration.ZERO, false);
        slot.load();
        FileHandler handler = new FileHandler(List.of(slot), List.of());
        List<Message> queries = List.of(DnsClient.query("WWW.example.org", Type.A),
                DnsClient.query("txt.example.org", Type.TXT),
                DnsClient.query("x.w.example.org", Type.A), DnsClient.query("alias.example.org", Type.A),
                DnsClient.query("example.org", Type.MX), DnsClient.query("a.sub.example.org", Type.A),
                DnsClient.query("nope.example.org", Type.A), DnsClient.query("www.example.org", Type.AAAA));
        int[] answers = {2, 1, 1, 3, 1, 0, 0, 0};
        int[] rcodes = {Rcode.NOERROR, Rcode.NOERROR, Rcode.NOERROR, Rcode.NOERROR, Rcode.NOERROR, Rcode.NOERROR,
                Rcode.NXDOMAIN, Rcode.NOERROR};
        Exchange[] exchanges = LoopAllocations.exchanges(queries);
        for (int i = 0; i < exchanges.length; i++) {
            assertEquals(Result.WRITTEN, handler.serve(exchanges[i]), queries.get(i).getQuestion().toString());
            byte[] reply = new byte[exchanges[i].responseLength()];
            exchanges[i].response().getBytes(0, reply);
            Message m = new Message(reply);
            assertEquals(rcodes[i], m.getRcode(), m.toString());
            assertEquals(answers[i], m.getSection(Section.ANSWER).size(), m.toString());
        }
        LoopAllocations.serve(handler, exchanges).assertNothingAllocated();
    }
}
