package io.nodedns.plugin.rewrite;

import io.nodedns.server.Exchange;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Edns;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Edits the request in the exchange's buffer in place (the qname may change length, options come
 * and go), then re-wraps the exchange's {@link QueryView} so later plugins (cache keys, forward)
 * see the rewritten query. Every method returns false if the result would not be a valid query.
 */
final class RequestEditor {
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final int DEFAULT_UDP_SIZE = 4096; // CoreDNS's setupEdns0Opt

    private RequestEditor() {}

    static boolean replaceQname(Exchange ex, DirectBuffer name, int nameLength) {
        QueryView q = ex.query();
        return replace(ex, q.qnameOffset(), q.qnameLength(), name, 0, nameLength) && rewrap(ex);
    }

    static void putQuestionField(Exchange ex, int fromQuestionEnd, int value) {
        ex.request().putShort(ex.query().questionEnd() - fromQuestionEnd, (short) value, BE);
        rewrap(ex);
    }

    /** Adds an empty OPT (UDP size 4096) if the request has none; false if there is no room for one. */
    static boolean ensureOpt(Exchange ex) {
        QueryView q = ex.query();
        if (q.hasEdns()) {
            return true;
        }
        MutableDirectBuffer req = ex.request();
        int arcount = DnsHeader.arcount(req, 0);
        int length = ex.requestLength();
        if (arcount >= 2 || length + Edns.OPT_FIXED_LENGTH > Exchange.MAX_MESSAGE) {
            return false;
        }
        ex.request().checkLimit(length + Edns.OPT_FIXED_LENGTH);
        Edns.writeOpt(req, length, DEFAULT_UDP_SIZE, 0, 0);
        DnsHeader.arcount(req, 0, arcount + 1);
        ex.requestLength(length + Edns.OPT_FIXED_LENGTH);
        return rewrap(ex);
    }

    /** Offset of the first option {@code code} (its code field), or -1. */
    static int findOption(Exchange ex, int code) {
        return ex.query().ednsOption(code);
    }

    static int optionDataLength(Exchange ex, int at) {
        return ex.request().getShort(at + 2, BE) & 0xFFFF;
    }

    /** Replaces the data of the option at {@code at}. */
    static boolean setOptionData(Exchange ex, int at, DirectBuffer data, int off, int len) {
        int old = optionDataLength(ex, at);
        if (!replace(ex, at + 4, old, data, off, len)) {
            return false;
        }
        ex.request().putShort(at + 2, (short) len, BE);
        return adjustOptLength(ex, len - old);
    }

    /** Appends option {@code code} at the end of the OPT's options. */
    static boolean appendOption(Exchange ex, int code, DirectBuffer data, int off, int len) {
        QueryView q = ex.query();
        int end = q.ednsOptionsOffset() + q.ednsOptionsLength();
        if (!replace(ex, end, 0, data, off, len, 4)) {
            return false;
        }
        ex.request().putShort(end, (short) code, BE);
        ex.request().putShort(end + 2, (short) len, BE);
        return adjustOptLength(ex, len + 4);
    }

    /** Removes every option {@code code}. */
    static boolean removeOptions(Exchange ex, int code) {
        int at;
        while ((at = findOption(ex, code)) >= 0) {
            int total = 4 + optionDataLength(ex, at);
            if (!replace(ex, at, total, null, 0, 0) || !adjustOptLength(ex, -total)) {
                return false;
            }
        }
        return true;
    }

    /** Copies {@code length} bytes of a saved request back (undoing every change). */
    static void restore(Exchange ex, DirectBuffer saved, int off, int length) {
        ex.request().checkLimit(length);
        ex.request().putBytes(0, saved, off, length);
        ex.requestLength(length);
        ex.query().wrap(ex.request(), 0, length);
    }

    private static boolean adjustOptLength(Exchange ex, int delta) {
        QueryView q = ex.query();
        // The view still describes the OPT as before the edit: its RDLENGTH field sits at the same place.
        int rdLengthAt = q.ednsOptionsOffset() - 2;
        MutableDirectBuffer req = ex.request();
        req.putShort(rdLengthAt, (short) ((req.getShort(rdLengthAt, BE) & 0xFFFF) + delta), BE);
        return rewrap(ex);
    }

    private static boolean replace(Exchange ex, int at, int oldLen, DirectBuffer src, int off, int len) {
        return replace(ex, at, oldLen, src, off, len, 0);
    }

    /** Swaps {@code oldLen} bytes at {@code at} for {@code gap} free bytes followed by {@code len} bytes of {@code src}. */
    private static boolean replace(Exchange ex, int at, int oldLen, DirectBuffer src, int off, int len, int gap) {
        int length = ex.requestLength();
        int newLength = length - oldLen + gap + len;
        if (newLength > Exchange.MAX_MESSAGE) {
            return false;
        }
        MutableDirectBuffer req = ex.request();
        ex.request().checkLimit(newLength);
        Records.move(req, at + oldLen, at + gap + len, length - at - oldLen);
        if (len > 0) {
            req.putBytes(at + gap, src, off, len);
        }
        ex.requestLength(newLength);
        return true;
    }

    private static boolean rewrap(Exchange ex) {
        return ex.query().wrap(ex.request(), 0, ex.requestLength()) == QueryView.OK;
    }
}
