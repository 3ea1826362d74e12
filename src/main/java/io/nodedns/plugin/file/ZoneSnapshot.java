package io.nodedns.plugin.file;

import io.nodedns.data.ChunkedBytes;
import io.nodedns.server.Exchange;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.xbill.DNS.Name;

/**
 * One loaded zone, immutable once built: its packed names and records ({@link ZoneStore}) and the
 * replies that need more than one name's records precomputed ({@link Complex}). Replacing a zone
 * (reload) swaps the whole snapshot with one volatile store, so a query sees one version only.
 *
 * <p>{@link #resolve} is CoreDNS's lookup walk (plugin/file/lookup.go) over the query name in the
 * request buffer: label by label down from the apex, stopping at a zone cut, remembering the
 * wildcard of the closest encloser (RFC 4592) and empty non-terminals. It returns a code
 * (kind and entry position) instead of an object so that the query path allocates nothing.
 */
final class ZoneSnapshot {
    static final int EXACT = 0;
    static final int WILDCARD = 1;
    static final int DELEGATION = 2;
    static final int NXDOMAIN = 3;
    /** The name is an empty non-terminal: NOERROR with the SOA (and CoreDNS lets it fall through). */
    static final int EMPTY_NON_TERMINAL = 4;
    /** The covering wildcard is itself an empty non-terminal: NODATA. */
    static final int WILDCARD_NODATA = 5;
    private static final int KIND_BITS = 3;
    private static final int KIND_MASK = 7;

    /** The precomputed replies of one name whose answers reach beyond its own records. */
    static final class Complex {
        private int[] types = new int[0];
        private Answer[] answers = new Answer[0];
        private Answer otherwise;
        /** The referral when this name is a zone cut, else null. */
        Answer delegation;

        void answers(int[] types, Answer[] answers, Answer otherwise) {
            this.types = types;
            this.answers = answers;
            this.otherwise = otherwise;
        }

        Answer answerFor(int qtype) {
            int[] t = types;
            for (int i = 0; i < t.length; i++) {
                if (t[i] == qtype) {
                    return answers[i];
                }
            }
            return otherwise;
        }
    }

    final Name origin;
    final long serial;
    final ZoneStore store;
    private final ChunkedBytes data;
    private final int apex;
    private final int originLength;
    final Int2ObjectHashMap<Complex> complex = new Int2ObjectHashMap<>();
    private final Answer nxdomain;
    private final Answer emptyNonTerminal;
    private final Answer nodata;
    /** The apex NS records, the authority section of every positive answer. */
    private final Answer apexNs;
    /** The same without compression, for answers so long that a pointer could not reach back. */
    private final Answer apexNsPlain;

    ZoneSnapshot(long serial, ZoneStore store, Answer nxdomain, Answer emptyNonTerminal, Answer nodata, Answer apexNs,
            Answer apexNsPlain) {
        this.origin = store.origin;
        this.serial = serial;
        this.store = store;
        this.data = store.data;
        this.apex = store.apex;
        this.originLength = store.originLength;
        this.nxdomain = nxdomain;
        this.emptyNonTerminal = emptyNonTerminal;
        this.nodata = nodata;
        this.apexNs = apexNs;
        this.apexNsPlain = apexNsPlain;
    }

    static int kind(int code) {
        return code & KIND_MASK;
    }

    static int index(int code) {
        return code >>> KIND_BITS;
    }

    private static int code(int kind, int index) {
        return (index << KIND_BITS) | kind;
    }

    /**
     * Resolves the uncompressed name at {@code [off, end)}, which lies {@code below} labels under
     * this zone's apex, for {@code qtype} (only DS changes the walk: a DS at a cut is answered here).
     */
    int resolve(DirectBuffer b, int off, int end, int below, int qtype) {
        if (below == 0) {
            return code(EXACT, apex);
        }
        ZoneStore s = store;
        int relativeEnd = end - originLength;
        int parent = apex;
        int wild = -1;
        int wildParentLevel = -1;
        int deepestWithChildren = -1;
        int found = -1;
        for (int level = 1; level <= below; level++) {
            int at = skipLabels(b, off, below - level);
            found = s.find(b, at, relativeEnd - at);
            int flags = found < 0 ? 0 : s.flags(found);
            if (found < 0 || (flags & ZoneStore.EMPTY) != 0) {
                // not found at this level: the wildcard of its parent may synthesize the answer
                int w = parent < 0 ? -1 : s.wildcards.get(parent);
                if (w >= 0) {
                    wild = w;
                    wildParentLevel = level - 1;
                }
            } else if ((flags & ZoneStore.CUT) != 0 && !(qtype == Records.TYPE_DS && level == below)) {
                return code(DELEGATION, found);
            }
            if (level < below && found >= 0 && (flags & ZoneStore.HAS_CHILDREN) != 0) {
                deepestWithChildren = level;
            }
            parent = found;
        }
        if (found >= 0 && (s.flags(found) & ZoneStore.EMPTY) == 0) {
            return code(EXACT, found);
        }
        // RFC 4592: an empty non-terminal closer than the wildcard's parent is the closest encloser
        if (wild >= 0 && deepestWithChildren <= wildParentLevel) {
            return (s.flags(wild) & ZoneStore.EMPTY) != 0 ? WILDCARD_NODATA : code(WILDCARD, wild);
        }
        return found >= 0 ? EMPTY_NON_TERMINAL : NXDOMAIN;
    }

    /**
     * The precomputed reply for a {@link #resolve} result, or null when the name's own records of
     * {@code qtype} answer it: then {@link #writeRecords} writes the reply from the packed data.
     */
    Answer answer(int code, int qtype) {
        return switch (kind(code)) {
            case EXACT, WILDCARD -> {
                int e = index(code);
                if ((store.flags(e) & ZoneStore.COMPLEX) != 0) {
                    yield complex.get(e).answerFor(qtype);
                }
                yield store.first(e, qtype) == ZoneStore.NO_RECORD ? nodata : null;
            }
            case DELEGATION -> complex.get(index(code)).delegation;
            case EMPTY_NON_TERMINAL -> emptyNonTerminal;
            case WILDCARD_NODATA -> nodata;
            default -> nxdomain;
        };
    }

    /**
     * Writes the reply made of entry {@code e}'s records of {@code qtype} (owner: the question)
     * and the apex NS in authority, as CoreDNS answers a name that has the type; returns its length.
     */
    int writeRecords(Exchange ex, int e, int qtype) {
        QueryView q = ex.query();
        ExpandableDirectByteBuffer out = ex.response();
        int questionLength = q.questionEnd() - q.qnameOffset();
        int count = 0;
        int length = 0;
        int first = store.first(e, qtype);
        for (int r = first; r != ZoneStore.NO_RECORD; r = data.getInt(r)) {
            if (data.getShort(r + 4) == qtype) {
                count++;
                length += 12 + data.getShort(r + 10);
            }
        }
        int base = DnsHeader.LENGTH + questionLength;
        int total = base + length + apexNs.body().length;
        out.checkLimit(total);
        int requestFlags = q.flags();
        int flags = DnsHeader.QR | (requestFlags & (DnsHeader.OPCODE_MASK | DnsHeader.RD | DnsHeader.CD))
                | DnsHeader.AA;
        DnsHeader.id(out, 0, q.id());
        DnsHeader.flags(out, 0, flags);
        DnsHeader.qdcount(out, 0, 1);
        DnsHeader.ancount(out, 0, count);
        DnsHeader.nscount(out, 0, apexNs.authorityCount());
        DnsHeader.arcount(out, 0, 0);
        out.putBytes(DnsHeader.LENGTH, ex.request(), q.qnameOffset(), questionLength);
        int at = base;
        for (int r = first; r != ZoneStore.NO_RECORD; r = data.getInt(r)) {
            if (data.getShort(r + 4) == qtype) {
                int rdLength = data.getShort(r + 10);
                out.putShort(at, (short) 0xC00C, java.nio.ByteOrder.BIG_ENDIAN);
                out.putShort(at + 2, (short) qtype, java.nio.ByteOrder.BIG_ENDIAN);
                out.putShort(at + 4, (short) Records.CLASS_IN, java.nio.ByteOrder.BIG_ENDIAN);
                data.copyTo(r + 6, out, at + 6, 6 + rdLength); // TTL, RDLENGTH, RDATA
                at += 12 + rdLength;
            }
        }
        (at + apexNs.body().length <= AnswerBuilder.MAX_POINTER ? apexNs : apexNsPlain).appendBody(out, at);
        return total;
    }

    /** The offset of the name left after removing {@code labels} leading labels from the one at {@code off}. */
    static int skipLabels(DirectBuffer b, int off, int labels) {
        int p = off;
        for (int i = 0; i < labels; i++) {
            p += (b.getByte(p) & 0xFF) + 1;
        }
        return p;
    }

    private long footprint;

    void footprint(long bytes) {
        footprint = bytes;
    }

    /** Heap held by this snapshot: packed data, indexes and precomputed replies, as its budget counted them. */
    long retainedBytes() {
        return footprint;
    }
}
