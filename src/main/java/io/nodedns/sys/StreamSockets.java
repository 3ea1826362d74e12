package io.nodedns.sys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The TCP server's calls on connected sockets, through the FFM API: a non-blocking {@code recv}
 * straight into native memory, and {@code SO_RCVLOWAT}, which makes epoll report a connection
 * readable only once a whole DNS message has arrived, so a connection holds no buffer of ours
 * while its bytes trickle in (the kernel holds them). Pointers are passed as plain addresses
 * (LP64), so a call builds no MemorySegment. Available where {@link Epoll} is.
 */
public final class StreamSockets {
    private static final int SO_RCVLOWAT = 18;
    private static final Linkage LINKED = new Linkage(Epoll.unavailableReason());
    private static final MethodHandle RECV = LINKED.link("recv", Libc.L_IPLI);
    private static final MethodHandle SETSOCKOPT = LINKED.link("setsockopt", Libc.I_IIIPI);

    private StreamSockets() {}

    /** Null when usable, else why not. */
    public static String unavailableReason() {
        return LINKED.unavailableReason();
    }

    /** recv(fd, address, length, MSG_DONTWAIT): bytes read, 0 at end of stream, -1 for none waiting or an error. */
    public static long recv(int fd, long address, long length) {
        try {
            return (long) RECV.invokeExact(fd, address, length, LinuxSockets.MSG_DONTWAIT);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * SO_RCVLOWAT: readiness (and a blocking receive) waits until this many bytes are queued, or
     * the stream ends. {@code scratch4} is 4 bytes of native memory the caller owns.
     */
    public static boolean receiveLowWater(int fd, int bytes, MemorySegment scratch4) {
        scratch4.set(ValueLayout.JAVA_INT, 0, bytes);
        try {
            return (int) SETSOCKOPT.invokeExact(fd, LinuxSockets.SOL_SOCKET, SO_RCVLOWAT, scratch4.address(), 4) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
