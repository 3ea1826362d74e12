package io.nodedns.plugin.loadbalance;

import io.nodedns.config.IpPrefix;
import org.agrona.DirectBuffer;

/**
 * The {@code prefer CIDR...} list: networks as address bytes plus prefix length, matched against
 * A/AAAA RDATA in place. Like Go's IPNet.Contains, an IPv4 network also matches an IPv4-mapped AAAA.
 */
final class PreferredSubnets {
    private final byte[][] networks;
    private final int[] bits;

    private PreferredSubnets(byte[][] networks, int[] bits) {
        this.networks = networks;
        this.bits = bits;
    }

    static final PreferredSubnets NONE = new PreferredSubnets(new byte[0][], new int[0]);

    /** Go's net.ParseCIDR: strict address, prefix 0..32 or 0..128; host bits are ignored. Null if invalid. */
    static byte[] parseNetwork(String cidr, int[] prefixOut) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String address = cidr.substring(0, slash);
        String length = cidr.substring(slash + 1);
        byte[] ip = IpPrefix.parseIp(address);
        if (ip == null || !length.matches("0|[1-9][0-9]{0,2}")) {
            return null;
        }
        int bits = Integer.parseInt(length);
        if (bits > ip.length * 8) {
            return null;
        }
        prefixOut[0] = bits;
        return ip;
    }

    static PreferredSubnets of(java.util.List<byte[]> networks, java.util.List<Integer> bits) {
        int[] b = new int[bits.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = bits.get(i);
        }
        return new PreferredSubnets(networks.toArray(new byte[0][]), b);
    }

    int size() {
        return networks.length;
    }

    /** Whether the address RDATA at {@code off} ({@code len} 4 or 16 bytes) lies in subnet {@code i}. */
    boolean contains(int i, DirectBuffer b, int off, int len) {
        byte[] net = networks[i];
        if (len == 16 && net.length == 4 && isV4Mapped(b, off)) {
            off += 12;
            len = 4;
        }
        if (len != net.length) {
            return false;
        }
        int remaining = bits[i];
        for (int k = 0; remaining > 0; k++, remaining -= 8) {
            int mask = remaining >= 8 ? 0xFF : (0xFF << (8 - remaining)) & 0xFF;
            if (((b.getByte(off + k) ^ net[k]) & mask) != 0) {
                return false;
            }
        }
        return true;
    }

    static boolean isV4Mapped(DirectBuffer b, int off) {
        for (int k = 0; k < 10; k++) {
            if (b.getByte(off + k) != 0) {
                return false;
            }
        }
        return b.getByte(off + 10) == (byte) 0xFF && b.getByte(off + 11) == (byte) 0xFF;
    }
}
