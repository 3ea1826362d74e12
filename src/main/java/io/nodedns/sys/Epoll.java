package io.nodedns.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * epoll and eventfd through the FFM API, for the UDP loops: the JDK's Selector boxes every ready
 * file descriptor above 127 into an Integer to find its key (measured: 3-6 bytes per forwarded
 * query), which a loop that must allocate nothing per query cannot have. Linux only.
 */
public final class Epoll {
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLLRDHUP = 0x2000;
    /** Reported once, then disabled until re-armed with {@link #rearm}. */
    public static final int EPOLLONESHOT = 1 << 30;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;
    /** struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
    private static final boolean PACKED = System.getProperty("os.arch", "").matches("amd64|x86_64");
    public static final long EVENT_SIZE = PACKED ? 12 : 16;
    public static final long DATA_OFFSET = PACKED ? 4 : 8;

    private static final Linkage LINKED = new Linkage(LinuxSockets.unavailableReason());
    private static final MethodHandle CREATE = LINKED.link("epoll_create1", Libc.I_I);
    private static final MethodHandle CTL = LINKED.link("epoll_ctl", Libc.I_IIIP);
    private static final MethodHandle WAIT = LINKED.link("epoll_wait", Libc.I_IPII);
    private static final MethodHandle EVENTFD = LINKED.link("eventfd", Libc.I_II);
    private static final MethodHandle READ = LINKED.link("read", Libc.L_IPL);
    private static final MethodHandle WRITE = LINKED.link("write", Libc.L_IPL);

    private Epoll() {}

    public static String unavailableReason() {
        return LINKED.unavailableReason();
    }

    public static int create() {
        return (int) call(() -> (int) CREATE.invokeExact(EPOLL_CLOEXEC));
    }

    /** Watches fd for reads; {@code data} comes back with its events. Returns 0 or -1. */
    public static int add(int epfd, int fd, long data, MemorySegment scratchEvent) {
        return control(epfd, EPOLL_CTL_ADD, fd, EPOLLIN, data, scratchEvent);
    }

    /** Watches fd for {@code events} (EPOLLIN, EPOLLONESHOT...); {@code data} comes back with them. Returns 0 or -1. */
    public static int add(int epfd, int fd, int events, long data, MemorySegment scratchEvent) {
        return control(epfd, EPOLL_CTL_ADD, fd, events, data, scratchEvent);
    }

    /** Re-enables a one-shot watch (EPOLL_CTL_MOD); reported at once if fd is ready now. Returns 0 or -1. */
    public static int rearm(int epfd, int fd, int events, long data, MemorySegment scratchEvent) {
        return control(epfd, EPOLL_CTL_MOD, fd, events, data, scratchEvent);
    }

    private static int control(int epfd, int op, int fd, int events, long data, MemorySegment scratchEvent) {
        scratchEvent.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
        scratchEvent.set(ValueLayout.JAVA_LONG_UNALIGNED, DATA_OFFSET, data);
        try {
            return (int) CTL.invokeExact(epfd, op, fd, scratchEvent.address());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Stops watching fd (the event is ignored, and may be null since Linux 2.6.9). Returns 0 or -1. */
    public static int remove(int epfd, int fd, MemorySegment scratchEvent) {
        return control(epfd, EPOLL_CTL_DEL, fd, 0, 0, scratchEvent);
    }

    /** epoll_wait: ready events written to {@code events}; -1 on EINTR and the like. */
    public static int await(int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) WAIT.invokeExact(epfd, events.address(), max, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int newEventFd() {
        return (int) call(() -> (int) EVENTFD.invokeExact(0, EFD_NONBLOCK | EFD_CLOEXEC));
    }

    /** Adds one to an eventfd counter (a wakeup); {@code one} holds the 8-byte value 1. */
    public static void signal(int eventFd, MemorySegment one) {
        try {
            long ignored = (long) WRITE.invokeExact(eventFd, one.address(), 8L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Resets an eventfd counter (reads it into {@code scratch8}). */
    public static void drain(int eventFd, MemorySegment scratch8) {
        try {
            long ignored = (long) READ.invokeExact(eventFd, scratch8.address(), 8L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static void close(int fd) {
        call(() -> (int) Close.CLOSE.invokeExact(fd));
    }

    /** close(2), linked on the first close (a loop's or the TCP poller's end), not before the first answer. */
    private static final class Close {
        static final MethodHandle CLOSE = Libc.downcall("close", Libc.I_I);
    }

    /** A native 8-byte segment holding 1, for {@link #signal}. */
    public static MemorySegment one(Arena arena) {
        MemorySegment s = arena.allocate(8, 8);
        s.set(ValueLayout.JAVA_LONG, 0, 1L);
        return s;
    }

    private interface IntCall {
        int run() throws Throwable;
    }

    private static int call(IntCall c) {
        try {
            return c.run();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
