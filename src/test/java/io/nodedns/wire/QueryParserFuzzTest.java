package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.nodedns.testing.FuzzBudget;
import java.io.IOException;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;

/**
 * Fuzzes the query parser the way {@code QueryProcessor} drives it: {@link QueryView#wrap}, then
 * the reply the server writes for each outcome. Any input must end in a known result code, every
 * read must stay inside the datagram (the buffer is exactly the datagram, so a read past it
 * throws), every reply written must be a message dnsjava parses, and whatever we accept must
 * agree with dnsjava's reading of the question and OPT. Regression inputs:
 * {@code src/test/resources/io/nodedns/wire/QueryParserFuzzTestInputs/query/}; fuzz with
 * {@code bench/fuzz.sh}.
 */
class QueryParserFuzzTest {
    private static final int OUT_CAPACITY = 70_000;

    private final QueryView view = new QueryView();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[OUT_CAPACITY]);
    private final UnsafeBuffer name = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);

    @FuzzTest(maxExecutions = FuzzBudget.EXECUTIONS)
    void query(final byte[] data) {
        final UnsafeBuffer in = new UnsafeBuffer(data);
        final int result = view.wrap(in, 0, data.length);
        assertTrue(result <= QueryView.OK && result >= QueryView.ERR_BADVERS, "result " + result);
        if (data.length < DnsHeader.LENGTH) {
            assertEquals(QueryView.ERR_SHORT, result);
            return;
        }
        if (view.questionParsed()) {
            checkQuestionBounds(data.length);
        }
        if (view.hasEdns()) {
            assertTrue(view.ednsOptionsOffset() + view.ednsOptionsLength() <= data.length);
            assertTrue(view.optRecordOffset() + view.optRecordLength() <= data.length);
            view.ednsOption(Edns.OPTION_COOKIE);
        }
        view.toString();
        switch (result) {
            case QueryView.OK -> {
                assertTrue(view.questionParsed());
                agreeWithDnsjava(data);
                checkReply(data, ReplyWriter.writeRcode(view, in, out, 0, OUT_CAPACITY, DnsHeader.RCODE_REFUSED),
                        DnsHeader.RCODE_REFUSED);
            }
            case QueryView.ERR_SHORT, QueryView.ERR_RESPONSE -> {
                // dropped without a reply
            }
            case QueryView.ERR_NOTIMP -> checkReply(data,
                    ReplyWriter.writeHeaderError(view, in, out, 0, OUT_CAPACITY, DnsHeader.RCODE_NOTIMP),
                    DnsHeader.RCODE_NOTIMP);
            case QueryView.ERR_BADVERS -> checkReply(data, ReplyWriter.writeBadVers(view, in, out, 0, OUT_CAPACITY),
                    DnsHeader.RCODE_BADVERS);
            default -> checkReply(data,
                    ReplyWriter.writeHeaderError(view, in, out, 0, OUT_CAPACITY, DnsHeader.RCODE_FORMERR),
                    DnsHeader.RCODE_FORMERR);
        }
    }

    private void checkQuestionBounds(final int length) {
        assertEquals(DnsHeader.LENGTH, view.qnameOffset());
        assertTrue(view.qnameLength() >= 1 && view.qnameLength() <= Names.MAX_NAME_LENGTH, "qname length");
        assertEquals(view.qnameOffset() + view.qnameLength() + 4, view.questionEnd());
        assertTrue(view.questionEnd() <= length);
        assertEquals(view.qnameHash(), Names.hashLowerCase(view.buffer(), view.qnameOffset(), view.qnameLength()));
        // what routing does with the name: count labels and walk up to the root
        final int labels = Names.labelCount(view.buffer(), view.qnameOffset(), view.qnameLength());
        int at = view.qnameOffset();
        final int end = view.qnameOffset() + view.qnameLength();
        for (int i = 0; i < labels; i++) {
            at = Names.parentOffset(view.buffer(), at, end);
            assertTrue(at > view.qnameOffset() && at < end, "parent offset " + at);
        }
        Names.copy(view.buffer(), view.qnameOffset(), name, 0, view.qnameLength());
    }

    /** What we accept, dnsjava must read the same way (when it accepts the message at all). */
    private void agreeWithDnsjava(final byte[] data) {
        final Message m;
        try {
            m = new Message(data);
        } catch (final IOException | RuntimeException rejected) {
            return; // dnsjava also checks RDATA contents, which a query parser need not
        }
        if (m.getHeader().getFlag(Flags.TC)) {
            return; // with TC set dnsjava silently stops at the first record it cannot read
        }
        final Record question = m.getQuestion();
        assertTrue(question != null, "dnsjava found no question");
        assertTrue(Arrays.equals(question.getName().toWire(), Arrays.copyOfRange(data, view.qnameOffset(),
                view.qnameOffset() + view.qnameLength())), "qname");
        assertEquals(question.getType(), view.qtype());
        assertEquals(question.getDClass(), view.qclass());
        final OPTRecord opt = m.getOPT();
        assertEquals(opt != null, view.hasEdns(), "EDNS presence");
        if (opt != null) {
            assertEquals(opt.getPayloadSize(), view.ednsUdpSize());
            if (view.ednsTtl() >= 0) {
                // dnsjava reads a TTL with the top bit set (extended rcode >= 128) as 0, even an OPT's
                assertEquals(opt.getVersion(), view.ednsVersion());
                assertEquals(opt.getFlags(), view.ednsFlags());
            }
        }
    }

    /** A reply the server writes must parse, carry the query's ID and the rcode meant. */
    private void checkReply(final byte[] query, final int length, final int rcode) {
        assertTrue(length >= DnsHeader.LENGTH, "reply length " + length);
        final Message reply;
        try {
            reply = new Message(Arrays.copyOf(out.byteArray(), length));
        } catch (final IOException e) {
            // The OPT options we echo (RFC 6891; CoreDNS request/edns0.go; like CoreDNS: any length) may be ones dnsjava
            // refuses, e.g. a 1-byte client cookie; then it must not read the query's OPT either.
            assertTrue(view.hasEdns() && !dnsjavaReadsOpt(query), "unparseable reply to " + view + ": " + e);
            return;
        }
        assertEquals(DnsHeader.id(new UnsafeBuffer(query), 0), reply.getHeader().getID());
        assertEquals(rcode, reply.getRcode());
    }

    /** dnsjava parses the message and finds its OPT (with TC set it may skip an OPT it cannot read). */
    private static boolean dnsjavaReadsOpt(final byte[] wire) {
        try {
            return new Message(wire).getOPT() != null;
        } catch (final IOException | RuntimeException e) {
            return false;
        }
    }
}
