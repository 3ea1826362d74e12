package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.Unmeasured;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Seeded property tests against dnsjava. A failure prints the seed; replay it with
 * {@code -Dnodedns.seed=N} (the older {@code -Dwire.seed=N} still works).
 */
@Unmeasured
class RandomMessageRoundTripTest {
    private static final int MESSAGES = 3000;

    private final UnsafeBuffer buf = new UnsafeBuffer(new byte[70_000]);
    private final UnsafeBuffer work = new UnsafeBuffer(new byte[70_000]);
    private final UnsafeBuffer reqBuf = new UnsafeBuffer(new byte[4096]);
    private final UnsafeBuffer tmp = new UnsafeBuffer(new byte[512]);
    private final RecordWalker walker = new RecordWalker();
    private final QueryView q = new QueryView();

    interface Check {
        void run(SplittableRandom rnd, RandomMessages gen) throws Exception;
    }

    private static void forAll(final String what, final Check check) {
        final long seed = Long.getLong("nodedns.seed", Long.getLong("wire.seed", System.nanoTime()));
        System.out.println(what + ": seed " + seed + " (replay with -Dnodedns.seed=" + seed + ")");
        final SplittableRandom rnd = new SplittableRandom(seed);
        final RandomMessages gen = new RandomMessages(rnd);
        for (int i = 0; i < MESSAGES; i++) {
            try {
                check.run(rnd, gen);
            } catch (final Throwable t) {
                throw new AssertionError(what + " failed on message " + i + "; replay with -Dnodedns.seed=" + seed, t);
            }
        }
    }

    @Test
    void walkerSeesWhatDnsjavaParses() {
        forAll("walker", (rnd, gen) -> {
            final byte[] wire = gen.response().toWire();
            final int off = rnd.nextInt(64);
            buf.putBytes(off, wire);
            compareWalk(WireTestSupport.parse(wire), off, wire.length, true);
        });
    }

    @Test
    void queryViewAgreesWithDnsjava() {
        forAll("query view", (rnd, gen) -> {
            final Message m = gen.query();
            final byte[] wire = m.toWire();
            buf.putBytes(0, wire);
            assertEquals(QueryView.OK, q.wrap(buf, 0, wire.length));
            final Record question = m.getQuestion();
            assertEquals(question.getName().toString(), Names.toString(buf, q.qnameOffset(), q.qnameLength()));
            assertEquals(question.getType(), q.qtype());
            assertEquals(question.getDClass(), q.qclass());
            assertEquals(m.getHeader().getID(), q.id());
            final OPTRecord opt = m.getOPT();
            assertEquals(opt != null, q.hasEdns());
            if (opt != null) {
                assertEquals(opt.getPayloadSize(), q.ednsUdpSize());
                assertEquals((opt.getFlags() & 0x8000) != 0, q.dnssecOk());
                assertEquals(optionsLength(opt.getOptions()), q.ednsOptionsLength());
            }
        });
    }

    @Test
    void shapedRepliesAreWhatTheSpecSays() {
        forAll("shaper", (rnd, gen) -> {
            final Message query = gen.query();
            final byte[] qwire = query.toWire();
            reqBuf.putBytes(0, qwire);
            assertEquals(QueryView.OK, q.wrap(reqBuf, 0, qwire.length));
            final Message upstream = gen.response();
            final byte[] wire = upstream.toWire();
            final Message original = WireTestSupport.parse(wire);
            final int maxSize = 512 + rnd.nextInt(Math.max(1, wire.length + 100 - 512));
            final int off = rnd.nextInt(64);
            work.putBytes(off, wire);
            final int len = ResponseShaper.shape(q, reqBuf, work, off, wire.length, 70_000 - off, maxSize);
            assertTrue(len > 0, "shape " + len);
            final Message shaped = WireTestSupport.parse(work, off, len);
            checkShaped(query, original, wire, shaped, len, Math.max(512, maxSize));
        });
    }

    @Test
    void mutatedMessagesNeverThrowAndFailOnlyWhereDnsjavaFails() {
        forAll("mutation", (rnd, gen) -> {
            final byte[] wire = gen.response().toWire();
            int len = wire.length;
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                switch (rnd.nextInt(4)) {
                    case 0 -> wire[rnd.nextInt(wire.length)] = (byte) rnd.nextInt(256);
                    case 1 -> wire[rnd.nextInt(wire.length)] ^= (byte) (1 << rnd.nextInt(8));
                    case 2 -> wire[rnd.nextInt(wire.length)] = (byte) 0xC0;
                    default -> len = rnd.nextInt(len + 1);
                }
            }
            final byte[] cut = Arrays.copyOf(wire, len);
            Message dnsjava = null;
            try {
                dnsjava = new Message(cut);
            } catch (final Exception ignored) {
                // dnsjava rejects it: we may or may not
            }
            buf.putBytes(0, cut);
            final boolean walked = walker.wrap(buf, 0, len) == 0 && walkAll();
            final boolean tc = len >= 4 && (cut[2] & 0x02) != 0;
            if (!tc) {
                if (!walked && !pointsIntoHeader(cut)) {
                    // we refuse compression pointers into the header (a fuzz finding); dnsjava follows them
                    assertEquals(null, dnsjava, "we rejected what dnsjava accepted");
                }
                if (dnsjava != null && walked) {
                    compareWalk(dnsjava, 0, len, false);
                }
            }
            q.wrap(buf, 0, len);
            work.putBytes(0, cut);
            ResponseShaper.shape(q, buf, work, 0, len, 70_000, 512 + rnd.nextInt(1000));
            ReplyWriter.writeRcode(q, buf, work, 0, 70_000, 2);
            ReplyWriter.writeHeaderError(q, buf, work, 0, 70_000, 1);
        });
    }

    /** True if some byte pair after the header reads as a compression pointer into the header. */
    private static boolean pointsIntoHeader(final byte[] msg) {
        for (int i = 12; i + 1 < msg.length; i++) {
            if ((msg[i] & 0xC0) == 0xC0 && (((msg[i] & 0x3F) << 8) | (msg[i + 1] & 0xFF)) < 12) {
                return true;
            }
        }
        return false;
    }

    private boolean walkAll() {
        while (walker.next()) {
            walker.type();
        }
        return walker.error() == 0;
    }

    private void compareWalk(final Message parsed, final int off, final int length, final boolean strict) {
        assertEquals(0, walker.wrap(buf, off, length));
        for (int s = Section.ANSWER; s <= Section.ADDITIONAL; s++) {
            for (final Record r : parsed.getSection(s)) {
                assertTrue(walker.next(), "walker stopped early: " + walker.error());
                assertEquals(s, walker.section());
                assertEquals(r.getType(), walker.type());
                assertEquals(r.getDClass(), walker.rrClass());
                // dnsjava follows RFC 2181 8: a TTL with the top bit set reads as 0
                assertEquals(r.getTTL(), walker.ttl() < 0 ? 0 : walker.ttl(), r.toString());
                final int n = Names.expand(buf, off, walker.ownerOffset(), off + length, tmp, 0);
                assertArrayEquals(r.getName().toWire(), WireTestSupport.bytes(tmp, 0, n));
                final Name target = rdataName(r);
                if (target != null) {
                    final int at = walker.rdataOffset() + (r instanceof MXRecord ? 2 : r instanceof SRVRecord ? 6 : 0);
                    // dnsjava lets an RDATA name run past RDLENGTH; mutated messages may have such names
                    if (strict || Names.skip(buf, off, at, walker.recordEnd()) == walker.recordEnd()) {
                        final int t = Names.expand(buf, off, at, walker.recordEnd(), tmp, 0);
                        assertTrue(t > 0, "rdata name " + t);
                        assertArrayEquals(target.toWire(), WireTestSupport.bytes(tmp, 0, t));
                    }
                } else if (r.getType() == Type.A || r.getType() == Type.AAAA || r.getType() == Type.TXT ||
                        r.getType() >= 65280) {
                    // types without names: dnsjava's canonical RDATA is the raw RDATA
                    assertArrayEquals(r.rdataToWireCanonical(),
                            WireTestSupport.bytes(buf, walker.rdataOffset(), walker.rdataLength()));
                }
            }
        }
        assertFalse(walker.next());
        assertEquals(0, walker.error());
    }

    private void checkShaped(
            final Message query, final Message original, final byte[] wire, final Message shaped, final int len,
            final int max) {
        final OPTRecord reqOpt = query.getOPT();
        final OPTRecord origOpt = original.getOPT();
        final List<Record> origRecords = new ArrayList<>();
        final List<Integer> sizes = new ArrayList<>();
        int optSize = 0;
        buf.putBytes(0, wire);
        walker.wrap(buf, 0, wire.length);
        final int questionEnd = walker.questionEnd();
        final List<Record> all = WireTestSupport.all(original);
        for (final Record r : all) {
            walker.next();
            if (r instanceof OPTRecord) {
                optSize = walker.recordEnd() - walker.recordOffset();
                continue;
            }
            origRecords.add(r);
            sizes.add(walker.recordEnd() - walker.recordOffset());
        }
        final int appended = reqOpt != null && origOpt == null ? 11 + echoedLength(reqOpt.getOptions()) : 0;
        if (appended > 0) {
            optSize = appended;
        }
        final boolean truncate = wire.length + appended > max;
        int keep = origRecords.size();
        if (truncate) {
            int used = questionEnd;
            keep = 0;
            while (keep < sizes.size() && used + sizes.get(keep) <= max - optSize) {
                used += sizes.get(keep++);
            }
            assertTrue(len <= max || questionEnd + optSize > max, "len " + len + " > " + max);
        }
        final List<Record> kept = new ArrayList<>();
        OPTRecord opt = null;
        for (final Record r : WireTestSupport.all(shaped)) {
            if (r instanceof OPTRecord o) {
                opt = o;
            } else {
                kept.add(r);
            }
        }
        assertEquals(origRecords.subList(0, keep), kept);
        assertEquals(truncate || original.getHeader().getFlag(Flags.TC), shaped.getHeader().getFlag(Flags.TC));
        assertEquals(original.getRcode(), shaped.getRcode());
        assertEquals(original.getQuestion(), shaped.getQuestion());
        if (reqOpt == null) {
            assertEquals(origOpt == null ? null : origOpt.toString(), opt == null ? null : opt.toString());
            if (origOpt != null) {
                assertEquals(origOpt.getTTL(), opt.getTTL());
            }
            return;
        }
        assertTrue(opt != null, "no OPT in shaped reply");
        assertEquals(reqOpt.getPayloadSize(), opt.getPayloadSize());
        assertEquals(0, opt.getVersion());
        if (origOpt != null) {
            assertEquals(origOpt.getOptions(), opt.getOptions());
            assertEquals((origOpt.getFlags() & 0xFF00) | (reqOpt.getFlags() & 0x8000), opt.getFlags());
        } else {
            final List<EDNSOption> echoed = new ArrayList<>();
            for (final EDNSOption o : reqOpt.getOptions()) {
                if (Edns.isEchoedOption(o.getCode())) {
                    echoed.add(o);
                }
            }
            assertEquals(echoed, opt.getOptions());
            assertEquals(reqOpt.getFlags() & 0xFF00, opt.getFlags());
        }
    }

    private static int optionsLength(final List<EDNSOption> options) {
        int n = 0;
        for (final EDNSOption o : options) {
            n += o.toWire().length;
        }
        return n;
    }

    private static int echoedLength(final List<EDNSOption> options) {
        int n = 0;
        for (final EDNSOption o : options) {
            n += Edns.isEchoedOption(o.getCode()) ? o.toWire().length : 0;
        }
        return n;
    }

    private static Name rdataName(final Record r) {
        return switch (r) {
            case CNAMERecord c -> c.getTarget();
            case NSRecord ns -> ns.getTarget();
            case PTRRecord p -> p.getTarget();
            case MXRecord mx -> mx.getTarget();
            case SRVRecord srv -> srv.getTarget();
            default -> null;
        };
    }
}
