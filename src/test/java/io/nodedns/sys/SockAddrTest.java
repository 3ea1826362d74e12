package io.nodedns.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The sockaddr SockAddr writes (connect(2) at a reload) reads back as the address it was written from. */
class SockAddrTest {
    @Test
    void writtenAddressesReadBack() {
        try (Arena arena = Arena.ofConfined()) {
            for (InetSocketAddress a : new InetSocketAddress[]{new InetSocketAddress("127.0.0.1", 53),
                    new InetSocketAddress("169.254.20.10", 65535), new InetSocketAddress("::1", 5353),
                    new InetSocketAddress("fd00::a:1", 1)}) {
                MemorySegment sa = SockAddr.of(arena, a);
                assertEquals(a.getAddress().getAddress().length == 4 ? 16 : 28, sa.byteSize());
                assertEquals(a.getAddress().getAddress().length == 4 ? LinuxSockets.AF_INET : LinuxSockets.AF_INET6,
                        SockAddr.family(sa));
                assertEquals(a.getPort(), SockAddr.port(sa));
                assertEquals(a, SockAddr.toInetSocketAddress(sa));
            }
            assertFalse(SockAddr.isV4Mapped(SockAddr.of(arena, new InetSocketAddress("::1", 53))));
        }
    }
}
