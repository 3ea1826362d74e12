package io.nodedns.plugin.cache;

import io.nodedns.server.Exchange;
import io.nodedns.wire.ClientCase;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Edns;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import io.nodedns.wire.ZoneSet;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The store path, run by the response hook on every reply that passes the cache: classification
 * (CoreDNS's Typify in plugin/pkg/response/typify.go, plus the CNAME refinement), the TTL (CoreDNS plugin/pkg/dnsutil/ttl.go), in-place edits of the
 * reply and the store itself. Allocation-free; safe on any thread.
 */
final class CacheIntake {
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private final CacheConfig config;
    private final CacheState state;
    private final CacheClock clock;
    private final ZoneSet noSuccess;
    private final ZoneSet noDenial;
    private final long staleSeconds;
    private final long servfailSeconds;

    CacheIntake(CacheConfig config, CacheState state, CacheClock clock) {
        this.config = config;
        this.state = state;
        this.clock = clock;
        this.noSuccess = ZoneSet.of(config.disableSuccess());
        this.noDenial = ZoneSet.of(config.disableDenial());
        this.staleSeconds = config.staleUpTo().toSeconds();
        this.servfailSeconds = config.servfailTtl().toSeconds();
    }

    /**
     * The reply on its way out: classify (CoreDNS plugin/pkg/response/typify.go), flatten TTLs (CoreDNS plugin/pkg/dnsutil/ttl.go), drop per-hop EDNS options,
     * store if cacheable, then strip AD (and an OPT the client did not ask for). For {@code STALE}
     * refreshes only a matching NOERROR/NXDOMAIN reply counts; returns whether it did.
     */
    boolean process(Exchange ex, int mode) {
        int len = ex.responseLength();
        ExpandableDirectByteBuffer b = ex.response();
        long scan = ex.writer() == null || len < DnsHeader.LENGTH ? -1 : CacheWire.scan(b, len, clock.epochSeconds());
        if (scan < 0) {
            return false; // the server's own bare reply, or malformed: leave it alone
        }
        QueryView q = ex.query();
        int header = DnsHeader.flags(b, 0);
        int rcode = header & DnsHeader.RCODE_MASK;
        int flags = CacheWire.flags(scan);
        boolean soa = (flags & CacheWire.F_SOA) != 0;
        boolean match = matches(b, len, q, ex.request());
        int qend = CacheWire.questionEnd(b, len);
        boolean question = DnsHeader.qdcount(b, 0) > 0 && qend >= DnsHeader.LENGTH + 5;
        int qtype = question ? b.getShort(qend - 4, BE) & 0xFFFF : 0;
        int qclass = question ? b.getShort(qend - 2, BE) & 0xFFFF : 0;
        Type type = classify(header, flags, qtype, DnsHeader.ancount(b, 0));
        // the reply's own question, as CoreDNS does: a spoofed type is a drop, not a non-answer
        boolean answers = type == Type.NO_ERROR && CacheWire.answersQuestion(b, len, qtype, qclass);
        boolean nodata = type == Type.NO_ERROR && DnsHeader.ancount(b, 0) > 0 && !answers;
        if (nodata && soa) {
            type = Type.NO_DATA;
        }
        long duration = duration(type, scan);
        CacheWire.rewriteTtls(b, len, (int) duration);
        int opt = (flags & CacheWire.F_OPT_LAST) != 0 ? CacheWire.lastOptStart(b, len) : 0;
        if (opt > 0) {
            len = CacheWire.filterOpt(b, opt, len);
            ex.responseLength(len);
            if (!q.dnssecOk()) {
                b.putShort(opt + 7, (short) (b.getShort(opt + 7, BE) & ~Edns.DO), BE); // DO only for DO keys
            }
        }
        // RFC 7871 7.3.1: a scoped answer belongs to its subnet (not stored); scope 0 is stored without the option
        int ecs = opt > 0 ? CacheEcs.find(b, opt, len) : CacheEcs.NONE;
        boolean scoped = ecs >= 0 && CacheEcs.scope(b, ecs) != 0;
        int ecsLength = ecs >= 0 && !scoped ? CacheEcs.length(b, ecs) : 0;
        if (ecsLength > 0) {
            CacheEcs.moveLast(b, ecs, ecsLength, len);
        }
        boolean truncated = (header & DnsHeader.TC) != 0;
        boolean refreshed = true;
        // RFC 2308 5: a negative answer without an SOA is not cached: NXDOMAIN, a CNAME chain that ends
        // nowhere, and an empty NOERROR that is no referral (RFC 2308 2.2: no NS in the authority either;
        // CoreDNS holds it 5 s, so data that appears upstream stays invisible that long).
        boolean emptyNodata = type == Type.NO_ERROR && DnsHeader.ancount(b, 0) == 0;
        // An OPT followed by other records (TSIG) cannot be left out for non-EDNS clients: not cached.
        boolean store = !truncated && type != Type.OTHER && !(type == Type.NAME_ERROR && !soa) && !(nodata && !soa)
                && !emptyNodata
                && (opt > 0 || (flags & CacheWire.F_OPT) == 0) && !scoped;
        if (mode == CacheHandler.STALE) {
            if (truncated || !match) {
                refreshed = store = false;
            } else if (config.preferPositive()) {
                refreshed = type == Type.NO_ERROR && answers;
            } else if (type == Type.OTHER || (rcode != DnsHeader.RCODE_NOERROR && rcode != DnsHeader.RCODE_NXDOMAIN)) {
                refreshed = store = false;
            }
        }
        if (store && (duration > 0 || (type == Type.SERVER_ERROR && !config.servfailTtl().isZero()))) {
            if (match) {
                int rdLength = ecsLength > 0 ? b.getShort(opt + 9, BE) & 0xFFFF : 0;
                if (ecsLength > 0) {
                    b.putShort(opt + 9, (short) (rdLength - ecsLength), BE); // the stored copy ends before the option
                }
                store(ex, b, len - ecsLength, type, answers, rcode, opt, scan, (int) duration, mode);
                if (ecsLength > 0) {
                    b.putShort(opt + 9, (short) rdLength, BE);
                }
            } else {
                state.drops.increment();
            }
        }
        if (!q.dnssecOk() && (q.flags() & DnsHeader.AD) == 0) {
            DnsHeader.flag(b, 0, DnsHeader.AD, false);
        }
        if (opt > 0 && !q.hasEdns()) {
            DnsHeader.arcount(b, 0, DnsHeader.arcount(b, 0) - 1);
            ex.responseLength(opt);
        }
        return refreshed;
    }

    private void store(Exchange ex, MutableDirectBuffer b, int len, Type type, boolean answers, int rcode, int opt,
            long scan,
            int duration, int mode) {
        QueryView q = ex.query();
        DirectBuffer req = ex.request();
        int keyFlags = CacheHandler.keyFlags(q);
        long h = CacheIndex.hash(q, keyFlags);
        int ttls = CacheWire.ttlCount(scan);
        if (len + 2 * ttls > CacheStore.LARGE) {
            state.oversized.increment();
            return;
        }
        long now = clock.nanoTime();
        // Owners spelled out in full (not pointing at the question) need the next client's case on a hit too.
        int caseFlag = ClientCase.restore(b, len, req, q.qnameOffset(), q.qnameLength()) > 0
                ? CacheStore.OWNER_CASE
                : 0;
        if (type == Type.NO_ERROR || type == Type.DELEGATION) {
            if (noSuccess.contains(req, q.qnameOffset(), q.qnameLength())) {
                return;
            }
            boolean keep = config.preferPositive() && !answers;
            boolean stored = state.success.put(h, keyFlags, (answers ? CacheStore.ANSWERING : 0) | caseFlag, q.qtype(),
                    q.qclass(),
                    q.qnameLength(), b, len, ttls, opt, duration, now, keep, staleSeconds);
            if (stored && (config.preferPositive() ? answers : mode != CacheHandler.CLIENT)) {
                state.denial.remove(h, keyFlags, q, req);
            }
        } else if (!noDenial.contains(req, q.qnameOffset(), q.qnameLength())) {
            int entryFlags = (rcode == DnsHeader.RCODE_SERVFAIL ? CacheStore.SERVFAIL : 0) | caseFlag;
            state.denial.put(h, keyFlags, entryFlags, q.qtype(), q.qclass(), q.qnameLength(), b, len, ttls, opt,
                    duration,
                    now,
                    false, 0);
        }
    }

    /** QR set, one question, uncompressed at 12, equal to the request's name (any case), type and class. */
    private static boolean matches(DirectBuffer b, int len, QueryView q, DirectBuffer req) {
        int nameLen = q.qnameLength();
        int end = DnsHeader.LENGTH + nameLen;
        return (DnsHeader.flags(b, 0) & DnsHeader.QR) != 0 && DnsHeader.qdcount(b, 0) == 1 && end + 4 <= len
                && Names.equalsIgnoreCase(b, DnsHeader.LENGTH, req, q.qnameOffset(), nameLen)
                && (b.getShort(end, BE) & 0xFFFF) == q.qtype() && (b.getShort(end + 2, BE) & 0xFFFF) == q.qclass();
    }

    /** CoreDNS's response.Type, the class of a reply; Meta and Update fold into OTHER, as none of them is cached. */
    private enum Type {
        NO_ERROR, NAME_ERROR, SERVER_ERROR, NO_DATA, DELEGATION, OTHER
    }

    /** CoreDNS's response.Typify. */
    private static Type classify(int header, int flags, int qtype, int answers) {
        int opcode = (header & DnsHeader.OPCODE_MASK) >>> DnsHeader.OPCODE_SHIFT;
        int rcode = header & DnsHeader.RCODE_MASK;
        if (opcode == DnsHeader.OPCODE_UPDATE || opcode == DnsHeader.OPCODE_NOTIFY
                || Records.isZoneTransfer(qtype)) {
            return Type.OTHER;
        }
        if ((flags & (CacheWire.F_OPT_DO | CacheWire.F_EXPIRED_SIG)) == (CacheWire.F_OPT_DO | CacheWire.F_EXPIRED_SIG)
                || (flags & CacheWire.F_EXT_RCODE) != 0) {
            return Type.OTHER;
        }
        if (answers > 0) {
            return rcode == DnsHeader.RCODE_NOERROR
                    ? Type.NO_ERROR
                    : rcode == DnsHeader.RCODE_NXDOMAIN
                            ? Type.OTHER
                            : rcode == DnsHeader.RCODE_SERVFAIL || rcode == DnsHeader.RCODE_NOTIMP
                                    ? Type.SERVER_ERROR
                                    : Type.OTHER;
        }
        if ((flags & CacheWire.F_SOA) != 0 && rcode == DnsHeader.RCODE_NOERROR) {
            return Type.NO_DATA;
        }
        return switch (rcode) {
            case DnsHeader.RCODE_NXDOMAIN -> Type.NAME_ERROR;
            case DnsHeader.RCODE_SERVFAIL, DnsHeader.RCODE_NOTIMP -> Type.SERVER_ERROR;
            case DnsHeader.RCODE_NOERROR -> (flags & CacheWire.F_NS) != 0 ? Type.DELEGATION : Type.NO_ERROR;
            default -> Type.OTHER;
        };
    }

    /** Seconds for this reply (CoreDNS plugin/pkg/dnsutil/ttl.go): the smallest TTL clamped to the type's bounds, 5 s fallbacks. */
    private long duration(Type type, long scan) {
        if (type == Type.SERVER_ERROR) {
            return servfailSeconds;
        }
        boolean negative = type == Type.NAME_ERROR || type == Type.NO_DATA;
        CacheConfig.StoreLimits limits = negative ? config.denial() : config.success();
        long max = limits.maxTtl();
        long min = limits.minTtl();
        long msg = type == Type.DELEGATION || type == Type.OTHER
                || (CacheWire.flags(scan) & CacheWire.F_NO_RECORDS) != 0
                        ? 5
                        : Math.min(max, CacheWire.minTtl(scan));
        return Math.min(Math.max(msg, min), Math.min(max, Integer.MAX_VALUE));
    }
}
