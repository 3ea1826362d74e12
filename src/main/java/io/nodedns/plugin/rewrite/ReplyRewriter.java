package io.nodedns.plugin.rewrite;

import io.nodedns.server.ScratchPool;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.RecordWalker;
import io.nodedns.wire.Records;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Rebuilds a reply on the wire for the client (CoreDNS plugin/rewrite; response side): the original question,
 * record names mapped back by this query's exact and {@code answer auto} rules, TTL clamps, rcode
 * rules and EDNS0 reverts, all replayed in reverse rule order. Every name is decompressed while
 * copying (offsets change), names equal to or under the question point back at it. One instance
 * per borrower ({@link #POOL}); allocation-free.
 */
final class ReplyRewriter {
    static final ScratchPool<ReplyRewriter> POOL = new ScratchPool<>(ReplyRewriter::new);
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final int NO_NAME = 0;
    private static final int NAME = 1;
    private static final int VALUE = 2;

    private final RecordWalker walker = new RecordWalker();
    private final UnsafeBuffer name = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
    private final UnsafeBuffer mapped = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
    private Rule[] rules;
    private DirectBuffer state;
    private boolean mapNames;
    private int qOffset;
    private int qLength;

    /**
     * Rewrites {@code [0, length)} of {@code in} into {@code out} at {@code outOff}; returns the new
     * length or -1 if the reply is malformed. {@code state} holds the entries and original request.
     */
    int rewrite(Rule[] rules, DirectBuffer state, boolean mapNames, DirectBuffer in, int length,
            MutableDirectBuffer out, int outOff) {
        this.rules = rules;
        this.state = state;
        this.mapNames = mapNames;
        if (walker.wrap(in, 0, length) < 0) {
            return -1;
        }
        int orig = ExchangeState.origOffset(state);
        qOffset = orig + DnsHeader.LENGTH;
        qLength = Names.uncompressedLength(state, qOffset, orig + ExchangeState.origLength(state));
        if (qLength < 0) {
            return -1;
        }
        int rcode = rcode(in, length);
        out.putBytes(outOff, in, 0, DnsHeader.LENGTH);
        DnsHeader.qdcount(out, outOff, 1);
        DnsHeader.rcode(out, outOff, rcode);
        int pos = outOff + DnsHeader.LENGTH;
        out.putBytes(pos, state, qOffset, qLength + 4);
        pos += qLength + 4;
        while (walker.next()) {
            pos = record(in, out, outOff, pos, rcode);
            if (pos < 0) {
                return -1;
            }
        }
        return walker.error() != 0 ? -1 : pos - outOff;
    }

    /** The reply's rcode (extended with the OPT's upper bits) after the rcode rules, in reverse order. */
    private int rcode(DirectBuffer in, int length) {
        int rcode = DnsHeader.rcode(in, 0);
        while (walker.next()) {
            if (walker.type() == Records.TYPE_OPT) {
                rcode |= (walker.ttl() >>> 24) << 4;
            }
        }
        walker.rewind();
        for (int i = ExchangeState.entryCount(state) - 1; i >= 0; i--) {
            if (rules[ExchangeState.rule(state, i)] instanceof MatchRule r && !r.ttl && rcode == r.first) {
                rcode = (int) r.second;
            }
        }
        return rcode;
    }

    private int record(DirectBuffer in, MutableDirectBuffer out, int msg, int pos, int rcode) {
        int type = walker.type();
        if (Names.expand(in, 0, walker.ownerOffset(), walker.recordEnd(), name, 0) < 0) {
            return -1;
        }
        pos = writeName(out, msg, pos, NAME, true);
        int fixed = walker.ownerEnd();
        out.putInt(pos, in.getInt(fixed, BE), BE); // type, class
        long ttl = in.getInt(fixed + Records.TTL_OFFSET, BE) & 0xFFFFFFFFL;
        if (type == Records.TYPE_OPT) {
            ttl = (ttl & 0x00FFFFFFL) | ((long) (rcode >>> 4) << 24);
        } else {
            ttl = clampTtl(ttl);
        }
        out.putInt(pos + Records.TTL_OFFSET, (int) ttl, BE);
        int rdLengthAt = pos + Records.RDLENGTH_OFFSET;
        int rd = pos + Records.FIXED_LENGTH;
        int rdEnd = rdata(in, out, msg, rd, type);
        if (rdEnd < 0) {
            return -1;
        }
        out.putShort(rdLengthAt, (short) (rdEnd - rd), BE);
        return rdEnd;
    }

    private int rdata(DirectBuffer in, MutableDirectBuffer out, int msg, int pos, int type) {
        int rd = walker.rdataOffset();
        int end = walker.recordEnd();
        switch (type) {
            case Records.TYPE_NS, Records.TYPE_CNAME, Records.TYPE_PTR -> {
                return name(in, rd, end, out, msg, pos, VALUE, true);
            }
            case Records.TYPE_MB, Records.TYPE_MG, Records.TYPE_MR -> {
                return name(in, rd, end, out, msg, pos, NO_NAME, true);
            }
            case Records.TYPE_DNAME -> {
                return name(in, rd, end, out, msg, pos, VALUE, false);
            }
            case Records.TYPE_MX -> {
                return prefixed(in, rd, end, out, msg, pos, 2, VALUE, true);
            }
            case Records.TYPE_AFSDB, Records.TYPE_RT, Records.TYPE_KX -> {
                return prefixed(in, rd, end, out, msg, pos, 2, NO_NAME, false);
            }
            case Records.TYPE_SRV -> {
                return prefixed(in, rd, end, out, msg, pos, 6, VALUE, false);
            }
            case Records.TYPE_SOA, Records.TYPE_MINFO, Records.TYPE_RP -> {
                boolean soa = type == Records.TYPE_SOA;
                boolean compress = type != Records.TYPE_RP;
                int next = Names.skip(in, 0, rd, end);
                if (next < 0) {
                    return -1;
                }
                pos = name(in, rd, end, out, msg, pos, soa ? VALUE : NO_NAME, compress);
                if (pos < 0) {
                    return -1;
                }
                int after = Names.skip(in, 0, next, end);
                if (after < 0) {
                    return -1;
                }
                pos = name(in, next, end, out, msg, pos, NO_NAME, compress);
                if (pos < 0) {
                    return -1;
                }
                out.putBytes(pos, in, after, end - after);
                return pos + end - after;
            }
            case Records.TYPE_NAPTR -> {
                int p = rd + 4;
                for (int i = 0; i < 3 && p < end; i++) {
                    p += 1 + (in.getByte(p) & 0xFF);
                }
                return p >= end ? -1 : prefixed(in, rd, end, out, msg, pos, p - rd, VALUE, false);
            }
            case Records.TYPE_OPT -> {
                return options(in, rd, end, out, pos);
            }
            default -> {
                out.putBytes(pos, in, rd, end - rd);
                return pos + end - rd;
            }
        }
    }

    private int prefixed(DirectBuffer in, int rd, int end, MutableDirectBuffer out, int msg, int pos, int fixed,
            int kind, boolean compress) {
        if (rd + fixed > end) {
            return -1;
        }
        out.putBytes(pos, in, rd, fixed);
        return name(in, rd + fixed, end, out, msg, pos + fixed, kind, compress);
    }

    private int name(DirectBuffer in, int at, int end, MutableDirectBuffer out, int msg, int pos, int kind,
            boolean compress) {
        if (Names.expand(in, 0, at, end, name, 0) < 0) {
            return -1;
        }
        return writeName(out, msg, pos, kind, compress);
    }

    /** Maps {@link #name} (owner or value) and writes it, pointing at the question where a suffix equals it. */
    private int writeName(MutableDirectBuffer out, int msg, int pos, int kind, boolean compress) {
        DirectBuffer n = kind == NO_NAME ? name : map(kind == VALUE);
        int len = Names.uncompressedLength(n, 0, n.capacity());
        int p = 0;
        while (true) {
            int label = n.getByte(p) & 0xFF;
            if (compress && len - p == qLength && Names.equalsIgnoreCase(n, p, state, qOffset, qLength)) {
                out.putShort(pos, (short) (0xC000 | DnsHeader.LENGTH), BE);
                return pos + 2;
            }
            out.putBytes(pos, n, p, label + 1);
            pos += label + 1;
            if (label == 0) {
                return pos;
            }
            p += label + 1;
        }
    }

    /** Applies the REMAP ops of the matched name rules, last rule first; returns the buffer holding the result. */
    private DirectBuffer map(boolean value) {
        if (!mapNames) {
            return name;
        }
        for (int i = ExchangeState.entryCount(state) - 1; i >= 0; i--) {
            if (!(rules[ExchangeState.rule(state, i)] instanceof NameRule r)) {
                continue;
            }
            AnswerOp[] ops = r.answers;
            for (int k = ops.length - 1; k >= 0; k--) {
                if (ops[k].kind() == AnswerOp.Kind.REMAP && ops[k].value() == value) {
                    remap(ExchangeState.auxOffset(state, i));
                }
            }
        }
        return name;
    }

    /** One REMAP: a name equal to or under the rewritten name goes back under the name before the rule. */
    private void remap(int aux) {
        int beforeLen = Names.uncompressedLength(state, aux, aux + Names.MAX_NAME_LENGTH);
        int after = aux + beforeLen;
        int afterLen = Names.uncompressedLength(state, after, after + Names.MAX_NAME_LENGTH);
        int len = Names.uncompressedLength(name, 0, name.capacity());
        if (beforeLen < 0 || afterLen < 0 || len < afterLen) {
            return;
        }
        for (int p = 0; p >= 0 && p <= len - afterLen; p = Names.parentOffset(name, p, len)) {
            if (len - p == afterLen && Names.equalsIgnoreCase(name, p, state, after, afterLen)) {
                if (p + beforeLen > Names.MAX_NAME_LENGTH) {
                    return;
                }
                mapped.putBytes(0, name, 0, p);
                mapped.putBytes(p, state, aux, beforeLen);
                name.putBytes(0, mapped, 0, p + beforeLen);
                return;
            }
        }
    }

    private long clampTtl(long ttl) {
        for (int i = ExchangeState.entryCount(state) - 1; i >= 0; i--) {
            if (rules[ExchangeState.rule(state, i)] instanceof MatchRule r && r.ttl) {
                ttl = r.clamp(ttl);
            }
        }
        return ttl;
    }

    /** Copies the OPT's options, dropping or restoring those that reverting edns0 rules name. */
    private int options(DirectBuffer in, int rd, int end, MutableDirectBuffer out, int pos) {
        int p = rd;
        while (p + 4 <= end) {
            int code = in.getShort(p, BE) & 0xFFFF;
            int len = 4 + (in.getShort(p + 2, BE) & 0xFFFF);
            int revert = revertFor(code);
            if (revert < 0) {
                out.putBytes(pos, in, p, Math.min(len, end - p));
                pos += Math.min(len, end - p);
            } else if (revert > 0) {
                int aux = ExchangeState.auxOffset(state, revert - 1);
                int dataLen = ExchangeState.auxLength(state, revert - 1) - 3;
                out.putShort(pos, (short) code, BE);
                out.putShort(pos + 2, (short) dataLen, BE);
                out.putBytes(pos + 4, state, aux + 3, dataLen);
                pos += 4 + dataLen;
            }
            p += len;
        }
        return pos;
    }

    /** -1: keep the option; 0: drop it; n > 0: restore it from entry n - 1. The last matched rule decides. */
    private int revertFor(int code) {
        for (int i = ExchangeState.entryCount(state) - 1; i >= 0; i--) {
            if (!(rules[ExchangeState.rule(state, i)] instanceof Edns0Rule r) || r.code != code) {
                continue;
            }
            int aux = ExchangeState.auxOffset(state, i);
            return state.getByte(aux) == Edns0Rule.REVERT_REMOVE ? 0 : i + 1;
        }
        return -1;
    }
}
