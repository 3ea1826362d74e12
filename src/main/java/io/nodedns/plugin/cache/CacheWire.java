package io.nodedns.plugin.cache;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Edns;
import io.nodedns.wire.Names;
import io.nodedns.wire.Records;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Allocation-free reads and in-place edits of a reply that starts at offset 0 of its buffer: the
 * facts the cache classifies by (CoreDNS plugin/pkg/response/typify.go), TTL flattening (CoreDNS plugin/pkg/dnsutil/ttl.go), the CNAME chain check and OPT
 * option filtering. Results that need several values are packed into a long so that the store
 * path needs no scratch objects.
 */
final class CacheWire {
    static final int F_SOA = 1;
    static final int F_NS = 2;
    static final int F_EXPIRED_SIG = 4;
    static final int F_OPT_DO = 8;
    static final int F_OPT_LAST = 16;
    static final int F_NO_RECORDS = 32;
    static final int F_EXT_RCODE = 64;
    static final int F_OPT = 128;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final long YEAR68 = 1L << 31;

    private CacheWire() {}

    /** End of the question section, or negative if the header or a question is malformed. */
    static int questionEnd(DirectBuffer b, int len) {
        if (len < DnsHeader.LENGTH) {
            return -1;
        }
        return Records.skipQuestions(b, 0, DnsHeader.LENGTH, len, DnsHeader.qdcount(b, 0));
    }

    private static int total(DirectBuffer b) {
        return DnsHeader.ancount(b, 0) + DnsHeader.nscount(b, 0) + DnsHeader.arcount(b, 0);
    }

    /**
     * One walk over every record. Returns {@code minTtl | ttlCount << 32 | flags << 48}, where
     * minTtl is the smallest unsigned TTL of the non-OPT records (0xFFFFFFFF if none), ttlCount
     * their number and flags the {@code F_*} bits; -1 if the message is malformed.
     */
    static long scan(DirectBuffer b, int len, long nowEpochSeconds) {
        int pos = questionEnd(b, len);
        if (pos < 0) {
            return -1;
        }
        int an = DnsHeader.ancount(b, 0);
        int ns = DnsHeader.nscount(b, 0);
        int total = total(b);
        long min = 0xFFFFFFFFL;
        int count = 0;
        int flags = 0;
        int optEnd = -1;
        for (int i = 0; i < total; i++) {
            int nameEnd = Names.skip(b, 0, pos, len);
            int end = nameEnd < 0 ? nameEnd : Records.recordEnd(b, nameEnd, len);
            if (end < 0) {
                return -1;
            }
            int type = b.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF;
            int ttl = b.getInt(nameEnd + Records.TTL_OFFSET, BE);
            if (type == Records.TYPE_OPT && i >= an + ns) {
                flags |= F_OPT | ((ttl & Edns.DO) != 0 ? F_OPT_DO : 0) | (ttl >>> 24 != 0 ? F_EXT_RCODE : 0);
                optEnd = end;
            } else {
                count++;
                min = Math.min(min, ttl & 0xFFFFFFFFL);
                if (i >= an && i < an + ns) {
                    flags |= type == Records.TYPE_SOA ? F_SOA : type == Records.TYPE_NS ? F_NS : 0;
                }
                if (type == Records.TYPE_RRSIG
                        && !signatureValid(b, nameEnd + Records.FIXED_LENGTH, end, nowEpochSeconds)) {
                    flags |= F_EXPIRED_SIG;
                }
            }
            pos = end;
        }
        if (optEnd >= 0 && optEnd == pos) {
            flags |= F_OPT_LAST;
        }
        if (count == 0) {
            flags |= F_NO_RECORDS;
        }
        return min | ((long) count << 32) | ((long) flags << 48);
    }

    static long minTtl(long scan) {
        return scan & 0xFFFFFFFFL;
    }

    static int ttlCount(long scan) {
        return (int) (scan >>> 32) & 0xFFFF;
    }

    static int flags(long scan) {
        return (int) (scan >>> 48);
    }

    /** RFC 4034 3.1.5 serial-number comparison of inception and expiration against now. */
    private static boolean signatureValid(DirectBuffer b, int rdata, int end, long now) {
        if (rdata + 16 > end) {
            return false;
        }
        long expiration = b.getInt(rdata + 8, BE) & 0xFFFFFFFFL;
        long inception = b.getInt(rdata + 12, BE) & 0xFFFFFFFFL;
        long ti = inception + ((inception - now) / YEAR68) * YEAR68;
        long te = expiration + ((expiration - now) / YEAR68) * YEAR68;
        return ti <= now && now <= te;
    }

    /** Sets every non-OPT TTL to {@code ttl}; the message was validated by {@link #scan}. */
    static void rewriteTtls(MutableDirectBuffer b, int len, int ttl) {
        int pos = questionEnd(b, len);
        int total = total(b);
        for (int i = 0; i < total && pos >= 0; i++) {
            int nameEnd = Names.skip(b, 0, pos, len);
            if (nameEnd < 0) {
                return;
            }
            if ((b.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF) != Records.TYPE_OPT) {
                b.putInt(nameEnd + Records.TTL_OFFSET, ttl, BE);
            }
            pos = Records.recordEnd(b, nameEnd, len);
        }
    }

    /** Writes the 2-byte offsets of every non-OPT TTL field to {@code dst}; returns how many. */
    static int writeTtlOffsets(DirectBuffer b, int len, MutableDirectBuffer dst, int dstOff, int max) {
        int pos = questionEnd(b, len);
        int total = total(b);
        int n = 0;
        for (int i = 0; i < total && pos >= 0 && n < max; i++) {
            int nameEnd = Names.skip(b, 0, pos, len);
            if (nameEnd < 0) {
                break;
            }
            if ((b.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF) != Records.TYPE_OPT) {
                dst.putShort(dstOff + 2 * n++, (short) (nameEnd + Records.TTL_OFFSET), BE);
            }
            pos = Records.recordEnd(b, nameEnd, len);
        }
        return n;
    }

    /** Offset of the OPT record if it is the last record and owned by the root, else 0. */
    static int lastOptStart(DirectBuffer b, int len) {
        int pos = questionEnd(b, len);
        int total = total(b);
        int last = 0;
        for (int i = 0; i < total && pos >= 0; i++) {
            int nameEnd = Names.skip(b, 0, pos, len);
            if (nameEnd < 0) {
                return 0;
            }
            boolean rootOpt = nameEnd == pos + 1
                    && (b.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF) == Records.TYPE_OPT;
            last = rootOpt ? pos : 0;
            pos = Records.recordEnd(b, nameEnd, len);
        }
        return last;
    }

    /**
     * Drops the options that belong to one hop (cookie, padding, TCP keepalive) from a last,
     * root-owned OPT at {@code optStart}; keeps EDE, NSID and the rest. Returns the new length.
     */
    static int filterOpt(MutableDirectBuffer b, int optStart, int len) {
        if (optStart <= 0 || b.getByte(optStart) != 0 || optStart + Edns.OPT_FIXED_LENGTH > len) {
            return len;
        }
        int rdata = optStart + Edns.OPT_FIXED_LENGTH;
        int end = rdata + (b.getShort(optStart + 9, BE) & 0xFFFF);
        if (end != len) {
            return len;
        }
        int out = rdata;
        for (int pos = rdata; pos + 4 <= end;) {
            int code = b.getShort(pos, BE) & 0xFFFF;
            int optLen = 4 + (b.getShort(pos + 2, BE) & 0xFFFF);
            if (pos + optLen > end) {
                return len;
            }
            if (code != Edns.OPTION_COOKIE && code != Edns.OPTION_PADDING && code != Edns.OPTION_TCP_KEEPALIVE) {
                Records.move(b, pos, out, optLen);
                out += optLen;
            }
            pos += optLen;
        }
        b.putShort(optStart + 9, (short) (out - rdata), BE);
        return out;
    }

    /**
     * True if a NOERROR reply answers its question: for ANY a record at the qname, for CNAME a
     * single CNAME at the qname, otherwise the qtype at the end of an unambiguous, loop-free
     * CNAME chain from the qname. The question name is at offset 12.
     */
    static boolean answersQuestion(DirectBuffer b, int len, int qtype, int qclass) {
        int start = questionEnd(b, len);
        int an = DnsHeader.ancount(b, 0);
        if (start < 0 || an == 0 || DnsHeader.qdcount(b, 0) == 0) {
            return false;
        }
        if (qtype == Records.TYPE_ANY) {
            return findRecord(b, len, start, an, -1, qclass, DnsHeader.LENGTH);
        }
        if (qtype == Records.TYPE_CNAME) {
            return cnameTarget(b, len, start, an, DnsHeader.LENGTH, qclass) >= 0;
        }
        int name = DnsHeader.LENGTH;
        for (int step = 0; step <= an; step++) {
            int target = cnameTarget(b, len, start, an, name, qclass);
            if (target == -2) {
                return false;
            }
            if (target == -1) {
                return findRecord(b, len, start, an, qtype, qclass, name);
            }
            name = target;
        }
        return false; // more steps than records: a loop
    }

    /** An answer record of {@code type} (any type if -1) and class at the owner {@code name}. */
    private static boolean findRecord(DirectBuffer b, int len, int pos, int an, int type, int qclass, int name) {
        for (int i = 0; i < an; i++) {
            int nameEnd = Names.skip(b, 0, pos, len);
            int end = nameEnd < 0 ? -1 : Records.recordEnd(b, nameEnd, len);
            if (end < 0) {
                return false;
            }
            int t = b.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF;
            int c = b.getShort(nameEnd + Records.CLASS_OFFSET, BE) & 0xFFFF;
            if ((type < 0 || t == type) && classMatches(c, qclass) && namesEqual(b, pos, name, len)) {
                return true;
            }
            pos = end;
        }
        return false;
    }

    /** The CNAME target offset at owner {@code name}; -1 if none, -2 if two different targets. */
    private static int cnameTarget(DirectBuffer b, int len, int pos, int an, int name, int qclass) {
        int target = -1;
        for (int i = 0; i < an; i++) {
            int nameEnd = Names.skip(b, 0, pos, len);
            int end = nameEnd < 0 ? -1 : Records.recordEnd(b, nameEnd, len);
            if (end < 0) {
                return -2;
            }
            int t = b.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF;
            int c = b.getShort(nameEnd + Records.CLASS_OFFSET, BE) & 0xFFFF;
            if (t == Records.TYPE_CNAME && classMatches(c, qclass) && namesEqual(b, pos, name, len)) {
                int rdata = nameEnd + Records.FIXED_LENGTH;
                if (target >= 0 && !namesEqual(b, target, rdata, len)) {
                    return -2;
                }
                target = rdata;
            }
            pos = end;
        }
        return target;
    }

    private static boolean classMatches(int rrClass, int qclass) {
        return qclass == Records.CLASS_ANY || rrClass == qclass;
    }

    /** Two possibly compressed names in one message, ASCII case-insensitive. */
    static boolean namesEqual(DirectBuffer b, int x, int y, int limit) {
        int hops = 0;
        while (true) {
            if (x >= limit || y >= limit) {
                return false;
            }
            int lx = b.getByte(x) & 0xFF;
            int ly = b.getByte(y) & 0xFF;
            if ((lx & 0xC0) == 0xC0 || (ly & 0xC0) == 0xC0) {
                if (++hops > 2 * Names.MAX_POINTER_HOPS) {
                    return false;
                }
                if ((lx & 0xC0) == 0xC0) {
                    if (x + 1 >= limit) {
                        return false;
                    }
                    x = ((lx & 0x3F) << 8) | (b.getByte(x + 1) & 0xFF);
                }
                if ((ly & 0xC0) == 0xC0) {
                    if (y + 1 >= limit) {
                        return false;
                    }
                    y = ((ly & 0x3F) << 8) | (b.getByte(y + 1) & 0xFF);
                }
                continue;
            }
            if (lx != ly || lx > Names.MAX_LABEL_LENGTH || x + lx + 1 > limit || y + ly + 1 > limit) {
                return false;
            }
            if (lx == 0) {
                return true;
            }
            for (int i = 1; i <= lx; i++) {
                if (lower(b.getByte(x + i)) != lower(b.getByte(y + i))) {
                    return false;
                }
            }
            x += lx + 1;
            y += ly + 1;
        }
    }

    private static int lower(byte c) {
        int v = c & 0xFF;
        return v >= 'A' && v <= 'Z' ? v + 32 : v;
    }
}
