package io.nodedns.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Wire-format domain names (RFC 1035 3.1, 4.1.4): a sequence of length-prefixed labels ending in
 * the zero-length root label, possibly ending instead in a 2-byte compression pointer.
 * <p>
 * All offsets are absolute buffer offsets. {@code msgStart} is where the DNS message starts
 * (compression pointers are relative to it) and {@code limit} is the offset just past its end.
 * Every method except {@link #toString}, {@link #toCoreDnsText} and {@link #fromString} is
 * allocation-free; errors are negative return codes, never exceptions.
 */
public final class Names {
    public static final int MAX_NAME_LENGTH = 255;
    public static final int MAX_LABEL_LENGTH = 63;
    /** Same cap as miekg/dns: more hops than a 255-byte name could need means a loop. */
    public static final int MAX_POINTER_HOPS = 126;

    /** The name runs past {@code limit} (or a pointer points past it). */
    public static final int ERR_BOUNDS = -1;
    /** Label type 0x40 or 0x80 (EDNS extended / reserved): not supported. */
    public static final int ERR_LABEL_TYPE = -2;
    /** Too many pointer hops: a compression loop. */
    public static final int ERR_LOOP = -3;
    /** More than 255 bytes in uncompressed wire form. */
    public static final int ERR_TOO_LONG = -4;
    /** A label over 63 bytes (presentation input only: on the wire that is {@link #ERR_LABEL_TYPE}). */
    public static final int ERR_LABEL_TOO_LONG = -5;
    /** A compression pointer where an uncompressed name is required, or one into the header. */
    public static final int ERR_POINTER = -6;
    /** Bad presentation syntax: empty label, dangling or out-of-range escape, non-Latin-1 char. */
    public static final int ERR_SYNTAX = -7;
    /** Destination buffer too small. */
    public static final int ERR_CAPACITY = -8;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final long ONES_7F = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long ADD_GE_A = 0x3F3F3F3F3F3F3F3FL; // 0x80 - 'A' per byte
    private static final long ADD_GT_Z = 0x2525252525252525L; // 0x80 - 'Z' - 1 per byte
    private static final long MUL = 0x9E3779B97F4A7C15L;

    private Names() {}

    /**
     * Skips a name that may be compressed.
     *
     * @return the offset just after the name in the stream (2 bytes past the first pointer if there
     * is one), or a negative {@code ERR_*}.
     */
    public static int skip(final DirectBuffer b, final int msgStart, final int off, final int limit) {
        int pos = off;
        int end = -1;
        int wireLength = 1; // the root label
        int hops = 0;
        while (true) {
            if (pos >= limit) {
                return ERR_BOUNDS;
            }
            final int len = b.getByte(pos) & 0xFF;
            if (len == 0) {
                return end >= 0 ? end : pos + 1;
            }
            final int kind = len & 0xC0;
            if (kind == 0) {
                wireLength += len + 1;
                if (wireLength > MAX_NAME_LENGTH) {
                    return ERR_TOO_LONG;
                }
                pos += len + 1;
            } else if (kind == 0xC0) {
                if (++hops > MAX_POINTER_HOPS) {
                    return ERR_LOOP;
                }
                if (end < 0) {
                    end = pos + 2;
                }
                pos = pointerTarget(b, msgStart, pos, limit);
                if (pos < 0) {
                    return pos;
                }
            } else {
                return ERR_LABEL_TYPE;
            }
        }
    }

    /** Length (including the root byte) of an uncompressed name at {@code off}, or negative if invalid or compressed. */
    public static int uncompressedLength(final DirectBuffer b, final int off, final int limit) {
        int pos = off;
        while (true) {
            if (pos >= limit) {
                return ERR_BOUNDS;
            }
            final int len = b.getByte(pos) & 0xFF;
            if (len == 0) {
                return pos + 1 - off;
            }
            if ((len & 0xC0) == 0xC0) {
                return ERR_POINTER;
            }
            if (len > MAX_LABEL_LENGTH) {
                return ERR_LABEL_TYPE;
            }
            pos += len + 1;
            if (pos + 1 - off > MAX_NAME_LENGTH) {
                return ERR_TOO_LONG;
            }
        }
    }

    /**
     * Copies a possibly compressed name into {@code dst} in uncompressed form.
     *
     * @return the uncompressed length written, or a negative {@code ERR_*}.
     */
    public static int expand(
            final DirectBuffer b, final int msgStart, final int off, final int limit,
            final MutableDirectBuffer dst, final int dstOff) {
        int pos = off;
        int out = dstOff;
        int hops = 0;
        final int dstLimit = dst.capacity();
        while (true) {
            if (pos >= limit) {
                return ERR_BOUNDS;
            }
            final int len = b.getByte(pos) & 0xFF;
            final int kind = len & 0xC0;
            if (kind == 0) {
                if (out + len + 1 - dstOff > MAX_NAME_LENGTH) {
                    return ERR_TOO_LONG;
                }
                if (pos + len + 1 > limit) {
                    return ERR_BOUNDS;
                }
                if (out + len + 1 > dstLimit) {
                    return ERR_CAPACITY;
                }
                dst.putBytes(out, b, pos, len + 1);
                out += len + 1;
                if (len == 0) {
                    return out - dstOff;
                }
                pos += len + 1;
            } else if (kind == 0xC0) {
                pos = ++hops > MAX_POINTER_HOPS ? ERR_LOOP : pointerTarget(b, msgStart, pos, limit);
                if (pos < 0) {
                    return pos;
                }
            } else {
                return ERR_LABEL_TYPE;
            }
        }
    }

    /**
     * The offset the compression pointer at {@code pos} points to, or {@link #ERR_BOUNDS} if the
     * pointer is cut by {@code limit}, {@link #ERR_POINTER} if it points into the header (which
     * shaping rewrites, so a name made of it would change: a fuzz finding).
     */
    private static int pointerTarget(final DirectBuffer b, final int msgStart, final int pos, final int limit) {
        if (pos + 1 >= limit) {
            return ERR_BOUNDS;
        }
        final int target = msgStart + (b.getShort(pos, BE) & 0x3FFF);
        return target < msgStart + DnsHeader.LENGTH ? ERR_POINTER : target;
    }

    /**
     * Compares a possibly compressed name inside a message with an uncompressed name, ASCII
     * case-insensitively. False if either is malformed.
     */
    public static boolean equalsIgnoreCase(
            final DirectBuffer msg, final int msgStart, final int off, final int limit,
            final DirectBuffer name, final int nameOff, final int nameLen) {
        return walkEqual(msg, msgStart, off, limit, name, nameOff, nameLen, null);
    }

    /**
     * If the possibly compressed name inside the message equals {@code name} ignoring ASCII case
     * ({@link #equalsIgnoreCase}), writes {@code name}'s letters over it (labels reached through a
     * pointer are written where they are stored). Only letters change: the labels have the same lengths.
     *
     * @return whether the names were equal (and the message's name now spells {@code name}).
     */
    public static boolean copyCaseIfEqual(
            final MutableDirectBuffer msg, final int msgStart, final int off, final int limit,
            final DirectBuffer name, final int nameOff, final int nameLen) {
        return walkEqual(msg, msgStart, off, limit, name, nameOff, nameLen, null) &&
                walkEqual(msg, msgStart, off, limit, name, nameOff, nameLen, msg);
    }

    /** Compares label by label; or, with {@code writeTo} (the message, known equal), copies each label of {@code name} over it. */
    private static boolean walkEqual(
            final DirectBuffer msg, final int msgStart, final int off, final int limit,
            final DirectBuffer name, final int nameOff, final int nameLen, final MutableDirectBuffer writeTo) {
        int pos = off;
        int n = nameOff;
        final int nameEnd = nameOff + nameLen;
        int hops = 0;
        while (pos < limit && n < nameEnd) {
            final int len = msg.getByte(pos) & 0xFF;
            final int kind = len & 0xC0;
            if (kind == 0xC0) {
                pos = ++hops > MAX_POINTER_HOPS ? ERR_LOOP : pointerTarget(msg, msgStart, pos, limit);
                if (pos < 0) {
                    return false;
                }
                continue;
            }
            if (kind != 0 || pos + len + 1 > limit || n + len + 1 > nameEnd || (name.getByte(n) & 0xFF) != len) {
                return false;
            }
            if (len == 0) {
                return n + 1 == nameEnd;
            }
            if (writeTo != null) {
                writeTo.putBytes(pos + 1, name, n + 1, len);
            } else {
                for (int i = 1; i <= len; i++) {
                    if (lower(msg.getByte(pos + i) & 0xFF) != lower(name.getByte(n + i) & 0xFF)) {
                        return false;
                    }
                }
            }
            pos += len + 1;
            n += len + 1;
        }
        return false;
    }

    /** 32-bit hash over the ASCII-lower-cased bytes: equal for names that {@link #equalsIgnoreCase} says are equal. */
    public static int hashLowerCase(final DirectBuffer b, final int off, final int len) {
        long h = MUL ^ len;
        int i = off;
        final int end = off + len;
        for (; i + 8 <= end; i += 8) {
            h = (h ^ lower8(b.getLong(i, BE))) * MUL;
            h ^= h >>> 29;
        }
        long tail = 0;
        for (; i < end; i++) {
            tail = (tail << 8) | lower(b.getByte(i) & 0xFF);
        }
        h = (h ^ tail) * MUL;
        // murmur3 fmix64: every input bit affects every output bit
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h;
    }

    /** Same-length uncompressed names, ASCII case-insensitive (label length bytes never fall in 'A'..'Z'). */
    public static boolean equalsIgnoreCase(
            final DirectBuffer a, final int aOff, final DirectBuffer b, final int bOff, final int len) {
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            if (lower8(a.getLong(aOff + i, BE)) != lower8(b.getLong(bOff + i, BE))) {
                return false;
            }
        }
        for (; i < len; i++) {
            if (lower(a.getByte(aOff + i) & 0xFF) != lower(b.getByte(bOff + i) & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    /** Lower-cases ASCII letters in place. */
    public static void toLowerCase(final MutableDirectBuffer b, final int off, final int len) {
        int i = off;
        final int end = off + len;
        for (; i + 8 <= end; i += 8) {
            b.putLong(i, lower8(b.getLong(i, BE)), BE);
        }
        for (; i < end; i++) {
            b.putByte(i, (byte) lower(b.getByte(i) & 0xFF));
        }
    }

    public static void copy(
            final DirectBuffer src, final int srcOff, final MutableDirectBuffer dst, final int dstOff, final int len) {
        dst.putBytes(dstOff, src, srcOff, len);
    }

    /** Number of labels of an uncompressed name, not counting the root ("." has 0), or negative if malformed. */
    public static int labelCount(final DirectBuffer b, final int off, final int len) {
        final int end = off + len;
        int count = 0;
        int pos = off;
        while (pos < end) {
            final int l = b.getByte(pos) & 0xFF;
            if (l == 0) {
                return count;
            }
            if (l > MAX_LABEL_LENGTH) {
                return ERR_LABEL_TYPE;
            }
            count++;
            pos += l + 1;
        }
        return ERR_BOUNDS;
    }

    /**
     * Offset of the label after the one at {@code nameOff} (a.b.c. -> b.c. -> c. -> .), or negative
     * when {@code nameOff} is the root or malformed, so that
     * {@code for (int p = off; p >= 0; p = parentOffset(b, p, end))} visits every suffix including ".".
     */
    public static int parentOffset(final DirectBuffer b, final int nameOff, final int nameEnd) {
        if (nameOff >= nameEnd) {
            return ERR_BOUNDS;
        }
        final int l = b.getByte(nameOff) & 0xFF;
        if (l == 0) {
            return ERR_BOUNDS;
        }
        if (l > MAX_LABEL_LENGTH) {
            return ERR_LABEL_TYPE;
        }
        final int next = nameOff + l + 1;
        return next < nameEnd ? next : ERR_BOUNDS;
    }

    /**
     * Presentation form like dig: "www.example.org.", "." for the root, {@code \.} and {@code \DDD}
     * escapes. Allocates. For what nodedns prints to people; what a Corefile's plugins match and
     * print is {@link #toCoreDnsText}.
     */
    public static String toString(final DirectBuffer b, final int off, final int len) {
        return NameText.toText(b, off, len, false);
    }

    /**
     * The uncompressed name at {@code off} as CoreDNS's plugins see it (miekg/dns's escapes: a space
     * as {@code \ }, {@code '} escaped, {@code $} not; see {@link #escapeLabelByteCoreDns}), case kept.
     * Allocates.
     */
    public static String toCoreDnsText(final DirectBuffer b, final int off, final int len) {
        return NameText.toText(b, off, len, true);
    }

    /** Presentation form of a possibly compressed name inside a message. Allocates: logs only. */
    public static String toString(final DirectBuffer b, final int msgStart, final int off, final int limit) {
        return NameText.toText(b, msgStart, off, limit);
    }

    /**
     * Writes byte {@code c} of a label at {@code out[at]} as miekg/dns v1.1.50 does when it unpacks a
     * name, the text CoreDNS 1.10.1's plugins match ({@code . ' @ ; ( ) " \} and space after a
     * backslash, other bytes outside 0x20..0x7E as {@code \DDD}), and returns the index after it: at
     * most {@code at + 4}. Allocation-free (rewrite spells names per query).
     */
    public static int escapeLabelByteCoreDns(final int c, final char[] out, final int at) {
        return NameText.escapeCoreDns(c, out, at);
    }

    /**
     * Presentation to wire form, without allocating (rewrite turns its rewritten text back into a
     * name per query). A name without the trailing dot is taken as absolute; letter case is kept.
     * Understands {@code \c} and {@code \DDD} escapes.
     *
     * @return the wire length written at {@code off}, or a negative {@code ERR_*}.
     */
    public static int fromString(final CharSequence name, final MutableDirectBuffer dst, final int off) {
        return NameText.fromText(name, dst, off);
    }

    static int lower(final int c) {
        return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
    }

    /** Lower-cases the ASCII upper-case letters among 8 packed bytes (SWAR; bytes >= 0x80 untouched). */
    static long lower8(final long x) {
        final long low7 = x & ONES_7F;
        final long geA = low7 + ADD_GE_A;
        final long gtZ = low7 + ADD_GT_Z;
        final long upper = geA & ~gtZ & ~x & HIGH_BITS;
        return x | (upper >>> 2);
    }
}
