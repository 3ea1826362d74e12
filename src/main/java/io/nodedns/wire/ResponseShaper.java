package io.nodedns.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Fits a reply to the client that asked: the EDNS "size and DO" normalisation of RFC 6891 and CoreDNS's request/edns0.go, and the
 * truncation of RFC 1035 4.2.1 and CoreDNS's request.Scrub, in place and without allocating.
 * <p>
 * Records are never re-encoded or split: truncation keeps a prefix of whole records and only ever
 * moves the OPT (down to the cut). Names stay as they are (no re-compression), so a kept record
 * must not point forward into dropped bytes; a record that does is treated as not fitting.
 */
public final class ResponseShaper {
    /** The reply is not a well-formed message (header, question or a record runs past its end, bad name, two OPTs). */
    public static final int ERR_MALFORMED = -1;
    /** The result does not fit in {@code replyCapacity}. */
    public static final int ERR_CAPACITY = -2;
    /** The reply's OPT has a non-root owner and cannot be fixed in place (it is not the last record). */
    public static final int ERR_OPT = -3;

    public static final int MIN_UDP_SIZE = 512;
    public static final int MAX_SIZE = 65535;
    /**
     * Kept bits of a reply's OPT TTL. CoreDNS masks with 0xff00, but miekg/dns then re-writes the
     * extended rcode from the message rcode when packing, so on the wire the extended rcode
     * survives; version and the low flag byte are cleared, DO and the upper Z bits kept.
     */
    static final int REPLY_OPT_TTL_KEEP = 0xFF00FF00;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private ResponseShaper() {}

    /** Effective UDP buffer of the client (RFC 6891; CoreDNS request/edns0.go): 512 without OPT, else the advertised size but at least 512. */
    public static int effectiveUdpSize(final QueryView q) {
        return q.hasEdns() ? Math.max(MIN_UDP_SIZE, q.ednsUdpSize()) : MIN_UDP_SIZE;
    }

    /**
     * Normalises the reply in {@code [replyOff, replyOff + replyLength)} for the requesting client,
     * then truncates it to {@code maxSize} (raised to 512, capped at 65535) if needed.
     * <ul>
     * <li>Request without OPT: the reply's EDNS is left as is.</li>
     * <li>Request and reply with OPT: the reply's OPT gets owner ".", version 0, the client's
     * advertised UDP size, and DO if the client set it (an existing DO is kept).</li>
     * <li>Request with OPT, reply without: the request's OPT is appended with version 0, extended
     * rcode 0, the client's DO and only the options CoreDNS's request/edns0.go echoes (RFC 6891).</li>
     * <li>Too long: whole records are kept in order (answer, authority, additional) while they fit
     * with room reserved for the OPT, the rest is dropped, TC=1, counts fixed, the OPT last.
     * Replies carrying TSIG are not truncated.</li>
     * </ul>
     * Trailing bytes after the last record are dropped.
     *
     * @param reqBuf        the buffer {@code request} was wrapped over (its OPT options are copied from it).
     * @param replyCapacity bytes available from {@code replyOff}.
     * @param maxSize       the client's buffer: {@link #effectiveUdpSize} for UDP, {@link #MAX_SIZE} for TCP.
     * @return the new reply length, or a negative {@code ERR_*} (the reply may then be partly rewritten:
     * answer SERVFAIL instead).
     */
    public static int shape(
            final QueryView request, final DirectBuffer reqBuf, final MutableDirectBuffer reply, final int replyOff,
            final int replyLength, final int replyCapacity, final int maxSize) {
        final int cap = Math.min(replyCapacity, reply.capacity() - replyOff);
        if (replyLength > cap) {
            return ERR_CAPACITY;
        }
        if (replyLength < DnsHeader.LENGTH) {
            return ERR_MALFORMED;
        }
        final int limit = replyOff + replyLength;
        final int an = DnsHeader.ancount(reply, replyOff);
        final int ns = DnsHeader.nscount(reply, replyOff);
        final int ar = DnsHeader.arcount(reply, replyOff);
        final int total = an + ns + ar;
        final int questionEnd = Records.skipQuestions(
                reply, replyOff, replyOff + DnsHeader.LENGTH, limit, DnsHeader.qdcount(reply, replyOff));
        if (questionEnd < 0 || namesReach(reply, replyOff, 0, questionEnd)) {
            return ERR_MALFORMED; // a question pointing into the records could lose its target to a cut
        }

        // Pass 1: validate every record, find the OPT (additional section only) and any TSIG.
        int pos = questionEnd;
        int optStart = -1;
        int optOwnerEnd = -1;
        int optEnd = -1;
        boolean tsig = false;
        for (int i = 0; i < total; i++) {
            final int nameEnd = Names.skip(reply, replyOff, pos, limit);
            final int end = nameEnd < 0 ? nameEnd : Records.recordEnd(reply, nameEnd, limit);
            if (end < 0) {
                return ERR_MALFORMED;
            }
            if (i >= an + ns) {
                final int type = reply.getShort(nameEnd + Records.TYPE_OFFSET, BE) & 0xFFFF;
                if (type == Records.TYPE_OPT) {
                    if (optStart >= 0) {
                        return ERR_MALFORMED;
                    }
                    optStart = pos;
                    optOwnerEnd = nameEnd;
                    optEnd = end;
                } else if (type == Records.TYPE_TSIG) {
                    tsig = true;
                }
            }
            pos = end;
        }
        int msgEnd = pos;
        if (msgEnd < limit && namesReach(reply, replyOff, total, msgEnd)) {
            return ERR_MALFORMED;
        }

        // RFC 6891; CoreDNS request/edns0.go size-and-DO.
        int appendLength = 0;
        if (request.hasEdns()) {
            if (optStart >= 0) {
                if (optOwnerEnd != optStart + 1) {
                    if (optEnd != msgEnd || namesReach(reply, replyOff, total - 1, optStart)) {
                        return ERR_OPT; // sliding would move bytes an earlier name points to
                    }
                    // Last record: slide the fixed fields and options down behind a root owner.
                    final int tail = optEnd - optOwnerEnd;
                    Records.move(reply, optOwnerEnd, optStart + 1, tail);
                    reply.putByte(optStart, (byte) 0);
                    optOwnerEnd = optStart + 1;
                    optEnd = msgEnd = optOwnerEnd + tail;
                }
                reply.putShort(optOwnerEnd + Records.CLASS_OFFSET, (short) request.ednsUdpSize(), BE);
                int ttl = reply.getInt(optOwnerEnd + Records.TTL_OFFSET, BE) & REPLY_OPT_TTL_KEEP;
                if (request.dnssecOk()) {
                    ttl |= Edns.DO;
                }
                reply.putInt(optOwnerEnd + Records.TTL_OFFSET, ttl, BE);
            } else {
                appendLength = Edns.OPT_FIXED_LENGTH +
                        Edns.echoedOptionsLength(reqBuf, request.ednsOptionsOffset(), request.ednsOptionsLength());
            }
        }

        final int size = Math.min(MAX_SIZE, Math.max(MIN_UDP_SIZE, maxSize));
        final int length = msgEnd - replyOff;
        if (length + appendLength <= size || tsig) {
            if (length + appendLength > cap) {
                return ERR_CAPACITY;
            }
            if (appendLength > 0) {
                appendRequestOpt(request, reqBuf, reply, msgEnd, appendLength);
                DnsHeader.arcount(reply, replyOff, ar + 1);
            }
            return length + appendLength;
        }
        if (optStart >= 0 && optOwnerEnd != optStart + 1) {
            return ERR_OPT; // only reachable for a request without EDNS: we will not move a compressed OPT owner
        }
        return truncate(
                request, reqBuf, reply, replyOff, msgEnd, questionEnd, an, ns, ar, optStart, optEnd, appendLength, size,
                cap);
    }

    private static int truncate(
            final QueryView request, final DirectBuffer reqBuf, final MutableDirectBuffer reply, final int replyOff,
            final int limit, final int questionEnd, final int an, final int ns, final int ar, final int optStart,
            final int optEnd,
            final int appendLength, final int size, final int cap) {
        final int total = an + ns + ar;
        final int optSize = optStart >= 0 ? optEnd - optStart : appendLength;
        final int budget = size - optSize;
        int used = questionEnd - replyOff;
        int cut = questionEnd;
        int keptAn = 0;
        int keptNs = 0;
        int keptAr = 0;
        int pos = questionEnd;
        int i = 0;
        for (; i < total; i++) {
            // Pass 1 validated every record, so these cannot fail.
            final int nameEnd = Names.skip(reply, replyOff, pos, limit);
            final int end = Records.recordEnd(reply, nameEnd, limit);
            if (pos == optStart) {
                // Already budgeted: it stays in place while the records after it are kept.
                keptAr++;
                cut = pos = end;
                continue;
            }
            if (used + (end - pos) > budget || Records.maxPointerTarget(reply, replyOff, pos, nameEnd, end) >= end) {
                break;
            }
            used += end - pos;
            if (i < an) {
                keptAn++;
            } else if (i < an + ns) {
                keptNs++;
            } else {
                keptAr++;
            }
            cut = pos = end;
        }

        int newEnd = cut;
        if (optStart >= cut) {
            // The OPT was in the dropped tail: bring it down to the cut (it holds no pointers).
            Records.move(reply, optStart, cut, optSize);
            newEnd += optSize;
            keptAr++;
        } else if (appendLength > 0) {
            if (cut - replyOff + appendLength > cap) {
                return ERR_CAPACITY;
            }
            appendRequestOpt(request, reqBuf, reply, cut, appendLength);
            newEnd += appendLength;
            keptAr++;
        }
        DnsHeader.ancount(reply, replyOff, keptAn);
        DnsHeader.nscount(reply, replyOff, keptNs);
        DnsHeader.arcount(reply, replyOff, keptAr);
        if (i < total) {
            DnsHeader.flag(reply, replyOff, DnsHeader.TC, true);
        }
        return newEnd - replyOff;
    }

    /**
     * Whether a question name or the name of one of the first {@code records} records points at or
     * past {@code msgEnd}: into trailing bytes that shaping drops (and an appended OPT overwrites),
     * into an OPT owner it rewrites, or from the question into records a cut may drop. Found by
     * fuzzing: such replies went out with names pointing past their end. A record whose owner points
     * forward counts as reaching ({@link Records#maxPointerTarget}).
     */
    private static boolean namesReach(final DirectBuffer b, final int msgStart, final int records, final int msgEnd) {
        int pos = msgStart + DnsHeader.LENGTH;
        for (int i = DnsHeader.qdcount(b, msgStart); i > 0; i--) {
            final int nameEnd = Names.skip(b, msgStart, pos, msgEnd);
            if (nameEnd < 0) {
                return true;
            }
            pos = nameEnd + 4;
        }
        for (int i = 0; i < records; i++) {
            final int nameEnd = Names.skip(b, msgStart, pos, msgEnd);
            if (nameEnd < 0) {
                return true;
            }
            final int end = Records.recordEnd(b, nameEnd, msgEnd);
            if (Records.maxPointerTarget(b, msgStart, pos, nameEnd, end) >= msgEnd) {
                return true;
            }
            pos = end;
        }
        return false;
    }

    /** The request's OPT as CoreDNS re-uses it: root owner, client's UDP size, TTL & 0xff00, echoed options. */
    private static void appendRequestOpt(
            final QueryView request, final DirectBuffer reqBuf, final MutableDirectBuffer reply, final int at,
            final int appendLength) {
        final int optionsLength = appendLength - Edns.OPT_FIXED_LENGTH;
        Edns.writeOpt(reply, at, request.ednsUdpSize(), request.ednsTtl() & Edns.TTL_KEEP_MASK, optionsLength);
        if (optionsLength > 0) {
            Edns.copyEchoedOptions(
                    reqBuf, request.ednsOptionsOffset(), request.ednsOptionsLength(), reply,
                    at + Edns.OPT_FIXED_LENGTH);
        }
    }
}
