package io.nodedns.k8s;

import java.net.InetAddress;

/**
 * A pod IP as {@link ClusterView}'s pod index keys it: its 4 or 16 address bytes (an IPv4-mapped
 * IPv6 address is its 4 IPv4 bytes, as a client address is). Keys in the index are made by
 * {@link #of} and never change; a reader fills a probe of its own ({@link #set}) from the client's
 * address bytes, so a lookup (autopath's, once per query) builds no string and allocates nothing.
 */
public final class PodIp {
    private final byte[] bytes;
    private int length;

    /** An empty probe (room for an IPv6 address), to be {@link #set} before each lookup. */
    public PodIp() {
        this.bytes = new byte[16];
    }

    /** An index key: exactly the address's bytes (the index holds one per pod IP). */
    private PodIp(byte[] address) {
        this.bytes = address;
        this.length = address.length;
    }

    /** The key for an IP literal as the API writes it; null when {@code ip} is not one. */
    public static PodIp of(String ip) {
        InetAddress a = HostPorts.literal(ip);
        if (a == null) {
            return null;
        }
        return new PodIp(a.getAddress()); // a copy of its own
    }

    /** Makes this probe an address of {@code n} bytes (4 or 16), to be filled with {@link #set}. */
    public PodIp length(int n) {
        if (n != 4 && n != 16 || n > bytes.length) {
            throw new IllegalArgumentException("an IP has 4 or 16 bytes, not " + n);
        }
        length = n;
        return this;
    }

    public PodIp set(int i, int b) {
        bytes[i] = (byte) b;
        return this;
    }

    @Override
    public int hashCode() {
        int h = length;
        for (int i = 0; i < length; i++) {
            h = 31 * h + bytes[i];
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PodIp other) || other.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[i] != other.bytes[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(java.util.Arrays.copyOf(bytes, length)).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return "?";
        }
    }
}
