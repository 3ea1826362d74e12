package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.LoopAllocations;
import java.net.InetAddress;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The UDP hot path must not allocate: after warm-up (so the JIT has compiled everything), every
 * window of 100,000 rounds of parse + walk + shape + error replies over preallocated buffers
 * allocates nothing ({@link LoopAllocations}).
 */
class AllocationTest {
    private static final int ROUNDS = 100_000;

    private final QueryView q = new QueryView();
    private final RecordWalker walker = new RecordWalker();
    private final UnsafeBuffer query = WireTestSupport.direct(new byte[0], 0, 512);
    private final UnsafeBuffer plainQuery = WireTestSupport.direct(new byte[0], 0, 512);
    private final UnsafeBuffer statusQuery = WireTestSupport.direct(new byte[0], 0, 512);
    private final UnsafeBuffer replyNoOpt = WireTestSupport.direct(new byte[0], 0, 4096);
    private final UnsafeBuffer replyOpt = WireTestSupport.direct(new byte[0], 0, 4096);
    private final UnsafeBuffer work = WireTestSupport.direct(new byte[0], 0, 65536);
    private final UnsafeBuffer out = WireTestSupport.direct(new byte[0], 0, 4096);
    private final UnsafeBuffer name = WireTestSupport.direct(new byte[0], 0, 512);
    private int queryLength;
    private int plainQueryLength;
    private int replyNoOptLength;
    private int replyOptLength;
    private volatile long sink;

    @Test
    void hotPathAllocatesNothing() throws Exception {
        prepare();

        // The workload really does what it claims (and the first rounds run interpreted).
        assertEquals(QueryView.OK, q.wrap(query, 0, queryLength));
        assertTrue(round(0) > 0);

        for (int i = 0; i < 5; i++) {
            sink += run(ROUNDS);
        }
        final LoopAllocations.Result r = LoopAllocations.calls("rounds", ROUNDS, i -> sink += round(i));
        System.out.println("wire hot path: " + r);
        r.assertNothingAllocated();
    }

    private long run(final int rounds) {
        long s = 0;
        for (int i = 0; i < rounds; i++) {
            s += round(i);
        }
        return s;
    }

    private long round(final int i) {
        long s = 0;
        final boolean edns = (i & 1) == 0;
        final UnsafeBuffer req = edns ? query : plainQuery;
        s += q.wrap(req, 0, edns ? queryLength : plainQueryLength);
        s += q.qnameHash() + q.ednsUdpSize() + q.ednsOption(Edns.OPTION_COOKIE);

        final boolean withOpt = (i & 2) == 0;
        final UnsafeBuffer template = withOpt ? replyOpt : replyNoOpt;
        final int length = withOpt ? replyOptLength : replyNoOptLength;
        walker.wrap(template, 0, length);
        while (walker.next()) {
            s += walker.ttl() + walker.type() + walker.section();
        }

        work.putBytes(0, template, 0, length);
        s += ClientCase.restore(work, length, req, q.qnameOffset(), q.qnameLength());
        s += ResponseShaper.shape(q, req, work, 0, length, work.capacity(), (i & 4) == 0 ? 512 : 1232);
        s += ResponseShaper.effectiveUdpSize(q);
        s += ReplyWriter.writeRcode(q, req, out, 0, out.capacity(), DnsHeader.RCODE_SERVFAIL);
        s += ReplyWriter.writeHeaderError(q, req, out, 0, out.capacity(), DnsHeader.RCODE_FORMERR);
        s += ReplyWriter.writeBadVers(q, req, out, 0, out.capacity());

        s += Names.expand(template, 0, DnsHeader.LENGTH, length, name, 0);
        s += Names.equalsIgnoreCase(req, q.qnameOffset(), name, 0, q.qnameLength()) ? 1 : 0;
        s += Names.equalsIgnoreCase(template, 0, walker.questionEnd() + 2, length, req, q.qnameOffset(),
                q.qnameLength()) ? 1 : 0;
        Names.toLowerCase(name, 0, q.qnameLength());
        s += Names.hashLowerCase(name, 0, q.qnameLength());
        for (int p = 0; p >= 0; p = Names.parentOffset(name, p, q.qnameLength())) {
            s += Names.labelCount(name, p, q.qnameLength() - p);
        }
        // NOTIMP with the query's OPT (RFC 6891 7): the OPT is found after parsing stopped early.
        s += q.wrap(statusQuery, 0, queryLength) + (q.hasEdns() ? 1 : 0);
        s += ReplyWriter.writeHeaderError(q, statusQuery, out, 0, out.capacity(), DnsHeader.RCODE_NOTIMP);
        return s;
    }

    private void prepare() throws Exception {
        final Message m = WireTestSupport.query("My-Svc.my-ns.svc.cluster.local", Type.A, 1232, true,
                new CookieOption(new byte[]{1, 2, 3, 4, 5, 6, 7, 8}),
                new ClientSubnetOption(24, InetAddress.getByName("192.0.2.0")));
        final byte[] qw = m.toWire();
        query.putBytes(0, qw);
        queryLength = qw.length;
        statusQuery.putBytes(0, qw);
        statusQuery.putByte(2, (byte) (qw[2] | (DnsHeader.OPCODE_STATUS << DnsHeader.OPCODE_SHIFT >>> 8)));
        final byte[] pw = WireTestSupport.query("other.example.org", Type.AAAA).toWire();
        plainQuery.putBytes(0, pw);
        plainQueryLength = pw.length;

        final Message r = WireTestSupport.aResponse(m, 60);
        r.addRecord(new NSRecord(WireTestSupport.name("cluster.local"), DClass.IN, 30,
                WireTestSupport.name("ns.cluster.local")), Section.AUTHORITY);
        r.addRecord(WireTestSupport.a(WireTestSupport.name("ns.cluster.local"), 30, 1), Section.ADDITIONAL);
        final byte[] rw = r.toWire();
        replyNoOpt.putBytes(0, rw);
        replyNoOptLength = rw.length;
        r.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        final byte[] ro = r.toWire();
        replyOpt.putBytes(0, ro);
        replyOptLength = ro.length;
    }
}
