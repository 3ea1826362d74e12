package io.nodedns.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * EDNS(0) OPT pseudo-record layout (RFC 6891 6.1) and option helpers. Allocation-free.
 * <pre>
 *   owner "." (1) | TYPE 41 (2) | CLASS = UDP payload size (2) |
 *   TTL = extended rcode (1) | version (1) | DO + Z flags (2) | RDLENGTH (2) | options...
 * </pre>
 * Options are {@code code(2) | length(2) | data(length)}.
 */
public final class Edns {
    /** Length of an OPT record with a root owner and no options. */
    public static final int OPT_FIXED_LENGTH = 11;
    /** DO bit in the 16-bit EDNS flags word (low half of the TTL). */
    public static final int DO = 0x8000;
    /**
     * Mask CoreDNS applies to the OPT TTL ({@code Ttl &= 0xff00}): clears extended rcode, version
     * and the low Z byte while keeping DO and the upper Z bits.
     */
    public static final int TTL_KEEP_MASK = 0xFF00;

    public static final int OPTION_NSID = 3;
    public static final int OPTION_CLIENT_SUBNET = 8;
    public static final int OPTION_EXPIRE = 9;
    public static final int OPTION_COOKIE = 10;
    public static final int OPTION_TCP_KEEPALIVE = 11;
    public static final int OPTION_PADDING = 12;
    public static final int OPTION_EDE = 15;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private Edns() {}

    /** Options CoreDNS copies from a request's OPT onto a reply that has none (RFC 6891; CoreDNS request/edns0.go). */
    public static boolean isEchoedOption(final int code) {
        return code == OPTION_NSID || code == OPTION_EXPIRE || code == OPTION_COOKIE ||
                code == OPTION_TCP_KEEPALIVE || code == OPTION_PADDING;
    }

    /** True if {@code [off, off+len)} is a well-formed sequence of options (nothing runs past the end). */
    public static boolean validOptions(final DirectBuffer b, final int off, final int len) {
        final int end = off + len;
        int pos = off;
        while (pos < end) {
            if (pos + 4 > end) {
                return false;
            }
            pos += 4 + (b.getShort(pos + 2, BE) & 0xFFFF);
        }
        return pos == end;
    }

    /** Offset of the first option with {@code code} (at its code field), or -1. Options must be valid. */
    public static int findOption(final DirectBuffer b, final int off, final int len, final int code) {
        final int end = off + len;
        int pos = off;
        while (pos + 4 <= end) {
            if ((b.getShort(pos, BE) & 0xFFFF) == code) {
                return pos;
            }
            pos += 4 + (b.getShort(pos + 2, BE) & 0xFFFF);
        }
        return -1;
    }

    /** Total length of the options {@link #copyEchoedOptions} would copy. */
    public static int echoedOptionsLength(final DirectBuffer b, final int off, final int len) {
        final int end = off + len;
        int pos = off;
        int total = 0;
        while (pos + 4 <= end) {
            final int optLen = 4 + (b.getShort(pos + 2, BE) & 0xFFFF);
            if (isEchoedOption(b.getShort(pos, BE) & 0xFFFF)) {
                total += optLen;
            }
            pos += optLen;
        }
        return total;
    }

    /** Copies the echoed options in order; returns bytes written. The caller has checked capacity. */
    public static int copyEchoedOptions(
            final DirectBuffer src, final int off, final int len, final MutableDirectBuffer dst, final int dstOff) {
        final int end = off + len;
        int pos = off;
        int out = dstOff;
        while (pos + 4 <= end) {
            final int optLen = 4 + (src.getShort(pos + 2, BE) & 0xFFFF);
            if (isEchoedOption(src.getShort(pos, BE) & 0xFFFF)) {
                dst.putBytes(out, src, pos, optLen);
                out += optLen;
            }
            pos += optLen;
        }
        return out - dstOff;
    }

    /** Writes an OPT record with a root owner and {@code rdLength} (options written by the caller after it); returns 11. */
    public static int writeOpt(
            final MutableDirectBuffer dst, final int off, final int udpSize, final int ttl, final int rdLength) {
        dst.putByte(off, (byte) 0);
        dst.putShort(off + 1, (short) Records.TYPE_OPT, BE);
        dst.putShort(off + 3, (short) udpSize, BE);
        dst.putInt(off + 5, ttl, BE);
        dst.putShort(off + 9, (short) rdLength, BE);
        return OPT_FIXED_LENGTH;
    }

    /** OPT TTL field from its parts. */
    public static int ttl(final int extendedRcode, final int version, final int flags) {
        return ((extendedRcode & 0xFF) << 24) | ((version & 0xFF) << 16) | (flags & 0xFFFF);
    }
}
