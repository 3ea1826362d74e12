package io.nodedns.plugin.cache;

import io.nodedns.wire.Edns;
import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;

/**
 * EDNS Client Subnet in replies (RFC 7871). The cache keeps no per-subnet entries, so it stores
 * only answers valid for every client: a reply whose ECS option has a non-zero SCOPE
 * PREFIX-LENGTH is tied to that subnet (7.3.1) and is not stored; one with scope 0 is valid for
 * all addresses and is stored without the option, so no client ever receives another client's
 * ECS option. The asking client's own reply keeps the option as the upstream sent it.
 */
final class CacheEcs {
    /** No ECS option in the reply. */
    static final int NONE = -1;
    /** An ECS option too short to carry FAMILY, SOURCE and SCOPE: treated as scoped. */
    static final int MALFORMED = 255;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private CacheEcs() {}

    /** Offset of the ECS option in the last OPT at {@code opt} (its rdata ends at {@code len}), or -1. */
    static int find(MutableDirectBuffer b, int opt, int len) {
        int rdata = opt + Edns.OPT_FIXED_LENGTH;
        return rdata > len ? -1 : Edns.findOption(b, rdata, len - rdata, Edns.OPTION_CLIENT_SUBNET);
    }

    /** SCOPE PREFIX-LENGTH of the option at {@code at} (RFC 7871 6: FAMILY 2, SOURCE 1, SCOPE 1). */
    static int scope(MutableDirectBuffer b, int at) {
        return (b.getShort(at + 2, BE) & 0xFFFF) < 4 ? MALFORMED : b.getByte(at + 7) & 0xFF;
    }

    /** Length of the option at {@code at}, its header included. */
    static int length(MutableDirectBuffer b, int at) {
        return 4 + (b.getShort(at + 2, BE) & 0xFFFF);
    }

    /**
     * Moves the option at {@code at} (of {@code n} bytes) to the end of the OPT rdata, which ends
     * at {@code len}, keeping the order of the others: the stored copy can then leave it out by
     * length alone. In place (three reversals), so nothing is allocated.
     */
    static void moveLast(MutableDirectBuffer b, int at, int n, int len) {
        if (at + n == len) {
            return;
        }
        reverse(b, at, at + n);
        reverse(b, at + n, len);
        reverse(b, at, len);
    }

    private static void reverse(MutableDirectBuffer b, int from, int to) {
        for (int i = from, j = to - 1; i < j; i++, j--) {
            byte t = b.getByte(i);
            b.putByte(i, b.getByte(j));
            b.putByte(j, t);
        }
    }
}
