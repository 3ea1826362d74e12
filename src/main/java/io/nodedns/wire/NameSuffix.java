package io.nodedns.wire;

import org.agrona.DirectBuffer;

/** Suffix tests on uncompressed wire names (a query's QNAME), ASCII case-insensitive and allocation-free. */
public final class NameSuffix
{
    private NameSuffix()
    {
    }

    /**
     * Whether the name at {@code off} ({@code len} bytes, root included) equals {@code suffix} or lies
     * below it: the suffix must start on a label boundary. The root suffix (one zero byte) matches all.
     */
    public static boolean endsWith(
        final DirectBuffer b, final int off, final int len, final DirectBuffer suffix, final int suffixLen)
    {
        final int end = off + len;
        int p = off;
        while (p < end)
        {
            final int rest = end - p;
            if (rest == suffixLen)
            {
                return Names.equalsIgnoreCase(b, p, suffix, 0, suffixLen);
            }
            if (rest < suffixLen)
            {
                return false;
            }
            final int label = b.getByte(p) & 0xFF;
            if (label == 0 || label > Names.MAX_LABEL_LENGTH)
            {
                return false;
            }
            p += 1 + label;
        }
        return false;
    }
}
