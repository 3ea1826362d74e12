package io.nodedns.plugin.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.nodedns.server.Exchange;
import io.nodedns.testing.FuzzBudget;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.RecordWalker;
import io.nodedns.wire.ReplyWriter;
import io.nodedns.wire.ResponseShaper;
import java.io.IOException;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import org.xbill.DNS.DClass;
import org.xbill.DNS.CookieOption;

/**
 * Fuzzes what an upstream can send back: the first input byte picks one of two known client
 * queries, the rest is the upstream's datagram. {@link ReplyCheck} must classify it without
 * throwing and without reading past it (the buffer is exactly the datagram); an accepted reply
 * must walk like dnsjava reads it; shaping it for the client (as {@code QueryProcessor.finish}
 * does) must give a reply that walks cleanly, or fail with an error code that the server turns
 * into SERVFAIL. Regression inputs:
 * {@code src/test/resources/io/nodedns/plugin/forward/UpstreamReplyFuzzTestInputs/reply/}.
 */
class UpstreamReplyFuzzTest {
    private static final int OUT_CAPACITY = 70_000;
    private static final byte[][] QUERIES = {plainQuery(), ednsQuery()};

    private final Exchange ex = new Exchange(4096);
    private final RecordWalker walker = new RecordWalker();
    private final RecordWalker shapedWalker = new RecordWalker();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[OUT_CAPACITY]);

    @FuzzTest(maxExecutions = FuzzBudget.EXECUTIONS)
    void reply(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] query = QUERIES[(data[0] & 0xFF) % QUERIES.length];
        ex.request().putBytes(0, query);
        ex.requestLength(query.length);
        ex.query().wrap(ex.request(), 0, query.length);
        int length = data.length - 1;
        UnsafeBuffer reply = new UnsafeBuffer(data, 1, length);

        int check = ReplyCheck.check(reply, length, ex, walker);
        assertTrue(check <= ReplyCheck.OK && check >= ReplyCheck.MALFORMED, "check " + check);
        if (check != ReplyCheck.OK) {
            return;
        }
        assertTrue(DnsHeader.flag(reply, 0, DnsHeader.QR));
        agreeWithDnsjava(Arrays.copyOfRange(data, 1, data.length));
        shape(reply, length, (data[0] & 0x80) != 0
                ? ResponseShaper.MAX_SIZE
                : ResponseShaper.effectiveUdpSize(ex.query()));
    }

    private void agreeWithDnsjava(byte[] wire) {
        Message m;
        try {
            m = new Message(wire);
        } catch (IOException | RuntimeException rejected) {
            return; // dnsjava also checks RDATA contents; a cache/forwarder passes them through
        }
        if (m.getHeader().getFlag(Flags.TC)) {
            return; // dnsjava stops quietly at the cut of a truncated reply
        }
        Record question = m.getQuestion();
        assertEquals(ex.query().qtype(), question.getType());
        assertEquals(ex.query().qclass(), question.getDClass());
        assertEquals(0, walker.wrap(new UnsafeBuffer(wire), 0, wire.length));
        for (int s = Section.ANSWER; s <= Section.ADDITIONAL; s++) {
            for (Record r : m.getSection(s)) {
                assertTrue(walker.next(), "walker stopped before dnsjava: " + walker.error());
                assertEquals(s, walker.section());
                assertEquals(r.getType(), walker.type());
                assertEquals(r.getDClass(), walker.rrClass());
            }
        }
        assertTrue(!walker.next() && walker.error() == 0, "walker saw more records than dnsjava");
    }

    /** As QueryProcessor.finish: shape for the client, or SERVFAIL when the reply cannot be shaped. */
    private void shape(UnsafeBuffer reply, int length, int maxSize) {
        out.putBytes(0, reply, 0, length);
        int shaped = ResponseShaper.shape(ex.query(), ex.request(), out, 0, length, OUT_CAPACITY, maxSize);
        if (shaped < 0) {
            assertTrue(shaped >= ResponseShaper.ERR_OPT, "shape " + shaped);
            int servfail = ReplyWriter.writeRcode(ex.query(), ex.request(), out, 0, OUT_CAPACITY,
                    DnsHeader.RCODE_SERVFAIL);
            assertTrue(servfail >= DnsHeader.LENGTH, "servfail " + servfail);
            return;
        }
        assertTrue(shaped >= DnsHeader.LENGTH && shaped <= OUT_CAPACITY, "shaped " + shaped);
        UnsafeBuffer exact = new UnsafeBuffer(out.byteArray(), 0, shaped);
        assertEquals(0, shapedWalker.wrap(exact, 0, shaped), "shaped header/question");
        int records = 0;
        while (shapedWalker.next()) {
            records++;
        }
        assertEquals(0, shapedWalker.error(), "shaped reply does not walk");
        assertEquals(DnsHeader.ancount(exact, 0) + DnsHeader.nscount(exact, 0) + DnsHeader.arcount(exact, 0), records);
        if (ex.query().hasEdns()) {
            assertTrue(DnsHeader.arcount(exact, 0) >= 1, "EDNS query, reply without OPT");
        }
    }

    private static byte[] plainQuery() {
        Message q = Message.newQuery(Record.newRecord(Name.fromConstantString("example.org."), Type.A, DClass.IN));
        q.getHeader().setID(0x1234);
        return q.toWire();
    }

    private static byte[] ednsQuery() {
        Message q = Message.newQuery(Record.newRecord(Name.fromConstantString("Svc.Cluster.Local."), Type.AAAA,
                DClass.IN));
        q.getHeader().setID(0x4321);
        q.addRecord(new OPTRecord(1232, 0, 0, Flags.DO, new CookieOption(new byte[8])), Section.ADDITIONAL);
        return q.toWire();
    }
}
