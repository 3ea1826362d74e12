package io.nodedns.sys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The TCP server's calls on connected sockets, through the FFM API: a non-blocking {@code recv}
 * straight into native memory, and {@code SO_RCVLOWAT}, which makes epoll report a connection
 * readable only once a whole DNS message has arrived, so a connection holds no buffer of ours
 * while its bytes trickle in (the kernel holds them). Pointers are passed as plain addresses
 * (LP64), so a call builds no MemorySegment. Available where {@link Epoll} is. And the retiring of
 * a listening socket whose accept queue must not be reset ({@link #dropNewConnections},
 * {@link #acceptQueue}).
 */
public final class StreamSockets {
    private static final int SO_RCVLOWAT = 18;
    private static final Linkage LINKED = new Linkage(Epoll.unavailableReason());
    private static final MethodHandle RECV = LINKED.link("recv", Libc.L_IPLI);
    private static final MethodHandle SETSOCKOPT = LINKED.link("setsockopt", Libc.I_IIIPI);
    private static final MethodHandle GETSOCKOPT = LINKED.link("getsockopt", Libc.I_IIIPP);
    private static final int SO_ATTACH_FILTER = 26;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;
    /** struct tcp_info's tcpi_unacked: on a listening socket, the connections its accept queue holds. */
    private static final long TCPI_UNACKED = 24;
    /**
     * The listening socket's filter (classic BPF, struct sock_filter {u16 code; u8 jt, jf; u32 k}),
     * run with the packet at its TCP header: {@code ldb [13]} (the flags), {@code jset #SYN} drop,
     * else keep it whole. Only SYNs are dropped: the last ACK of a handshake under way when it is
     * attached still completes it (dropping every packet reset that connection at close:
     * DohReplaceReloadTest lost a fresh connection so), and a child socket that inherits the filter
     * never receives a SYN.
     */
    private static final short[] FILTER_CODES = {0x30, 0x45, 0x06, 0x06};
    private static final byte[] FILTER_JUMP_IF_TRUE = {0, 0, 0, 0};
    private static final byte[] FILTER_JUMP_IF_FALSE = {0, 1, 0, 0};
    private static final int[] FILTER_KS = {13, 0x02, 0, 0xFFFF_FFFF};

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
     * Attaches a socket filter that drops every SYN reaching listening socket {@code fd} from
     * now on: a client's SYN goes unanswered and is sent again (after 1 s, RFC 6298), by then to
     * the socket that replaced this one once it is closed, while the connections its accept queue
     * holds stay there to be accepted (closing it at once would reset them). Null if attached, else
     * why not (the errno, for a warning).
     */
    public static String dropNewConnections(int fd) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            int n = FILTER_CODES.length;
            MemorySegment filter = arena.allocate(8L * n, 8);
            for (int i = 0; i < n; i++) {
                filter.set(ValueLayout.JAVA_SHORT, 8L * i, FILTER_CODES[i]);
                filter.set(ValueLayout.JAVA_BYTE, 8L * i + 2, FILTER_JUMP_IF_TRUE[i]);
                filter.set(ValueLayout.JAVA_BYTE, 8L * i + 3, FILTER_JUMP_IF_FALSE[i]);
                filter.set(ValueLayout.JAVA_INT, 8L * i + 4, FILTER_KS[i]);
            }
            MemorySegment program = arena.allocate(16, 8); // struct sock_fprog {u16 len; struct sock_filter *filter}
            program.set(ValueLayout.JAVA_SHORT, 0, (short) n);
            program.set(ValueLayout.JAVA_LONG, 8, filter.address());
            MemorySegment errno = Libc.errnoWord();
            if ((int) SETSOCKOPT.invokeExact(fd, LinuxSockets.SOL_SOCKET, SO_ATTACH_FILTER, program.address(),
                    16) == 0) {
                return null;
            }
            return "setsockopt(SO_ATTACH_FILTER): " + Errno.describe(errno.get(ValueLayout.JAVA_INT, 0));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The connections the accept queue of listening socket {@code fd} holds (TCP_INFO), or -1 if unknown. */
    public static int acceptQueue(int fd) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment info = arena.allocate(32, 8);
            MemorySegment length = arena.allocate(4, 4);
            length.set(ValueLayout.JAVA_INT, 0, 32);
            int rc = (int) GETSOCKOPT.invokeExact(fd, IPPROTO_TCP, TCP_INFO, info.address(), length.address());
            return rc == 0 && length.get(ValueLayout.JAVA_INT, 0) >= 32
                    ? info.get(ValueLayout.JAVA_INT, TCPI_UNACKED)
                    : -1;
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
