package io.nodedns.plugin.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nodedns.server.Exchange;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.LoopAllocations;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** Which log rule covers a query is found on the question's wire name: a query no rule covers costs nothing. */
class LogRuleMatchTest {
    @Test
    void theFirstRuleCoveringTheNameDecides() {
        LogHandler log = new LogHandler(List.of(
                new LogRule(List.of("example.org."), new LogFormat("{name}"), EnumSet.noneOf(ResponseClass.class)),
                new LogRule(List.of("."), new LogFormat("{name}"), EnumSet.noneOf(ResponseClass.class))));
        Exchange covered = LoopAllocations.metadataExchange("WWW.Example.ORG.");
        log.onResponse(covered);
        assertEquals("error", covered.metadata("log/class"), "no reply yet: the first rule classified it");
        Exchange other = LoopAllocations.metadataExchange("www.example.net.");
        log.onResponse(other);
        assertEquals("error", other.metadata("log/class"), "the root rule covers every name");
        LogHandler narrow = new LogHandler(List.of(
                new LogRule(List.of("example.org."), new LogFormat("{name}"), EnumSet.allOf(ResponseClass.class))));
        Exchange outside = LoopAllocations.metadataExchange("example.net.");
        narrow.onResponse(outside);
        assertNull(outside.metadata("log/class"), "no rule covers it: nothing is logged or published");
    }

    @Test
    void aQueryNoRuleCoversAllocatesNothing() throws Exception {
        LogHandler log = new LogHandler(List.of(
                new LogRule(List.of("example.org."), new LogFormat("{name}"), EnumSet.allOf(ResponseClass.class))));
        Exchange ex = LoopAllocations.exchanges(List.of(DnsClient.query("www.example.net.", Type.A)))[0];
        LoopAllocations.calls("log, no rule covers the name", 100_000, i -> log.onResponse(ex))
                .assertNothingAllocated();
    }
}
