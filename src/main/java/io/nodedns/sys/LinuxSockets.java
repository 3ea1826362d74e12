package io.nodedns.sys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.nio.channels.spi.AbstractSelectableChannel;

/**
 * The few Linux socket calls the UDP hot path needs, through the FFM API: {@code recvmmsg} and
 * {@code sendmmsg} move a batch of datagrams per system call and let us keep client addresses as
 * raw sockaddr bytes, so a query costs no Java objects (the JDK's DatagramChannel.receive builds
 * an InetSocketAddress whenever the sender changes). Unavailable off Linux/x86-64/aarch64 or
 * without {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}; callers then use NIO.
 */
public final class LinuxSockets {
    /** {@code MSG_DONTWAIT}: never block the loop even if another socket user drained the queue. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code MSG_WAITFORONE}: recvmmsg blocks for the first datagram only, then takes what is queued. */
    public static final int MSG_WAITFORONE = 0x10000;
    public static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    /** struct msghdr on LP64 Linux: name, namelen, iov, iovlen, control, controllen, flags. */
    public static final long MSGHDR_SIZE = 56;
    /** struct mmsghdr = msghdr + unsigned msg_len (+ padding). */
    public static final long MMSGHDR_SIZE = 64;
    public static final long MSG_LEN_OFFSET = 56;
    public static final long IOVEC_SIZE = 16;
    public static final int SOCKADDR_SIZE = 128;
    public static final int SOL_IP = 0;
    public static final int IP_PKTINFO = 8;
    public static final int SOL_IPV6 = 41;
    public static final int IPV6_RECVPKTINFO = 49;
    public static final int IPV6_PKTINFO = 50;
    /** msghdr offsets of msg_control and msg_controllen. */
    public static final long MSG_CONTROL_OFFSET = 32;
    public static final long MSG_CONTROLLEN_OFFSET = 40;
    /** msghdr offset of msg_flags, where the kernel reports MSG_TRUNC for a datagram longer than its buffer. */
    public static final long MSG_FLAGS_OFFSET = 48;
    public static final int MSG_TRUNC = 0x20;

    private static final Linkage LINKED = new Linkage(supportedPlatform() ? null : "not Linux on x86-64 or aarch64");
    // No errno capture: the loop needs only the count (EAGAIN and errors both mean "none"),
    // and capturing call state made some calls copy a segment (measured: 16-40 B/query).
    private static final MethodHandle RECVMMSG = LINKED.link("recvmmsg", Libc.I_IPIIP);
    private static final MethodHandle SENDMMSG = LINKED.link("sendmmsg", Libc.I_IPII);
    private static final MethodHandle SETSOCKOPT = LINKED.link("setsockopt", Libc.I_IIIPI);
    private static final Method FD_VAL = LINKED.method("sun.nio.ch.SelChImpl", "getFDVal");

    private LinuxSockets() {}

    /** Null when the native path can be used, else why not. */
    public static String unavailableReason() {
        return LINKED.unavailableReason();
    }

    private static boolean supportedPlatform() {
        String arch = System.getProperty("os.arch", "");
        return System.getProperty("os.name", "").toLowerCase().contains("linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
    }

    /** The file descriptor behind an NIO channel, or -1 if it cannot be had. */
    public static int fd(AbstractSelectableChannel channel) {
        if (FD_VAL == null) {
            return -1;
        }
        try {
            return (Integer) FD_VAL.invoke(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /** recvmmsg(fd, vec, vlen, flags, NULL): datagrams received, or -1 (EAGAIN: nothing waiting, or an error). */
    public static int recvmmsg(int fd, MemorySegment vec, int vlen, int flags) {
        try {
            return (int) RECVMMSG.invokeExact(fd, vec.address(), vlen, flags, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** sendmmsg(fd, vec, vlen, flags): messages sent, or -1 when the first could not be sent. */
    public static int sendmmsg(int fd, MemorySegment vec, int vlen, int flags) {
        try {
            return (int) SENDMMSG.invokeExact(fd, vec.address(), vlen, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * SO_RCVTIMEO: a blocking receive on fd returns (EAGAIN) after this long without a datagram
     * (setup time only); true on success.
     */
    public static boolean setReceiveTimeout(int fd, long micros) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(16, 8); // struct timeval { long tv_sec; long tv_usec; }
            timeval.set(ValueLayout.JAVA_LONG, 0, micros / 1_000_000);
            timeval.set(ValueLayout.JAVA_LONG, 8, micros % 1_000_000);
            return (int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, timeval.address(), 16) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * connect(2) for a UDP socket (reloads only; linked on first use): null on success, else why not
     * (the errno, for a warning). Unlike
     * {@code DatagramChannel.connect}, which discards the datagrams already queued, and whose later
     * sends must go to the connected address, the kernel keeps the queue and sends to any address
     * given (udp_sendmsg takes msg_name over the connected peer).
     */
    public static String connect(int fd, java.net.InetSocketAddress to) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment sa = SockAddr.of(arena, to);
            MemorySegment errno = Libc.errnoWord();
            if ((int) Connect.CONNECT.invokeExact(fd, sa.address(), (int) sa.byteSize()) == 0) {
                return null;
            }
            return "connect(2): " + Errno.describe(errno.get(ValueLayout.JAVA_INT, 0));
        } catch (Throwable t) { // not linked (off Linux)
            return "connect(2) unavailable: " + t;
        }
    }

    /** connect's handle, linked when first used: a start-up need not pay for its descriptor (see {@link Libc}). */
    private static final class Connect {
        static final MethodHandle CONNECT = Libc.downcall("connect", Libc.I_IPI);
    }

    /** setsockopt(fd, level, name, &value, 4) for an int option (setup time only); true on success. */
    public static boolean setIntOption(int fd, int level, int name, int value) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, value);
            return (int) SETSOCKOPT.invokeExact(fd, level, name, v.address(), 4) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
