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
    public static final long EVENT_SIZE;
    public static final long DATA_OFFSET;

    private static final MethodHandle CREATE;
    private static final MethodHandle CTL;
    private static final MethodHandle WAIT;
    private static final MethodHandle EVENTFD;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;
    private static final String UNAVAILABLE;

    static {
        String arch = System.getProperty("os.arch", "");
        boolean packed = arch.equals("amd64") || arch.equals("x86_64");
        EVENT_SIZE = packed ? 12 : 16;
        DATA_OFFSET = packed ? 4 : 8;
        MethodHandle create = null;
        MethodHandle ctl = null;
        MethodHandle wait = null;
        MethodHandle eventfd = null;
        MethodHandle read = null;
        MethodHandle write = null;
        String why = LinuxSockets.unavailableReason();
        if (why == null) {
            try {
                create = Libc.downcall("epoll_create1", Libc.I_I);
                ctl = Libc.downcall("epoll_ctl", Libc.I_IIIP);
                wait = Libc.downcall("epoll_wait", Libc.I_IPII);
                eventfd = Libc.downcall("eventfd", Libc.I_II);
                read = Libc.downcall("read", Libc.L_IPL);
                write = Libc.downcall("write", Libc.L_IPL);
            } catch (Throwable t) {
                why = t.toString();
            }
        }
        CREATE = create;
        CTL = ctl;
        WAIT = wait;
        EVENTFD = eventfd;
        READ = read;
        WRITE = write;
        UNAVAILABLE = why;
    }

    private Epoll() {}

    public static String unavailableReason() {
        return UNAVAILABLE;
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

    public static int remove(int epfd, int fd, MemorySegment scratchEvent) {
        try {
            return (int) CTL.invokeExact(epfd, EPOLL_CTL_DEL, fd, scratchEvent.address());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
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
