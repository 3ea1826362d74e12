package io.nodedns.sys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/** Reads raw Linux sockaddr_in / sockaddr_in6 bytes without building Java objects, and writes one for a cold call. */
public final class SockAddr {
    private static final ValueLayout.OfShort NATIVE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfShort BIG_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(ByteOrder.BIG_ENDIAN);

    private SockAddr() {}

    /** {@code to} as a sockaddr_in {family, port, addr[4], zero[8]} or sockaddr_in6 {family, port, flowinfo, addr[16], scope_id}. */
    public static MemorySegment of(java.lang.foreign.Arena arena, InetSocketAddress to) {
        byte[] ip = to.getAddress().getAddress();
        boolean v4 = ip.length == 4;
        MemorySegment sa = arena.allocate(v4 ? 16 : 28, 8);
        sa.set(NATIVE_SHORT, 0, (short) (v4 ? LinuxSockets.AF_INET : LinuxSockets.AF_INET6));
        sa.set(BIG_SHORT, 2, (short) to.getPort());
        MemorySegment.copy(ip, 0, sa, ValueLayout.JAVA_BYTE, v4 ? 4 : 8, ip.length);
        return sa;
    }

    public static int family(MemorySegment sa) {
        return sa.get(NATIVE_SHORT, 0) & 0xffff;
    }

    public static int port(MemorySegment sa) {
        return sa.get(BIG_SHORT, 2) & 0xffff;
    }

    /** True for ::ffff:a.b.c.d (an IPv4 client on a dual-stack socket). */
    public static boolean isV4Mapped(MemorySegment sa) {
        if (family(sa) != LinuxSockets.AF_INET6) {
            return false;
        }
        for (int i = 8; i < 18; i++) {
            if (sa.get(ValueLayout.JAVA_BYTE, i) != 0) {
                return false;
            }
        }
        return sa.get(ValueLayout.JAVA_BYTE, 18) == (byte) 0xff && sa.get(ValueLayout.JAVA_BYTE, 19) == (byte) 0xff;
    }

    /** 1 for IPv4 (mapped included), 2 for IPv6: CoreDNS's "family" label. */
    public static int labelFamily(MemorySegment sa) {
        return family(sa) == LinuxSockets.AF_INET || isV4Mapped(sa) ? 1 : 2;
    }

    /** Builds the Java address (allocates: for logs and plugins that print the client). */
    public static InetSocketAddress toInetSocketAddress(MemorySegment sa) {
        byte[] ip;
        if (family(sa) == LinuxSockets.AF_INET) {
            ip = sa.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
        } else if (isV4Mapped(sa)) {
            ip = sa.asSlice(20, 4).toArray(ValueLayout.JAVA_BYTE);
        } else {
            ip = sa.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port(sa));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
