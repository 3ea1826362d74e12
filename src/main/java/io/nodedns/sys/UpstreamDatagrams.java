package io.nodedns.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Native send and batched receive on one loop's connected upstream sockets: {@code send} skips
 * NIO's per-call locking, and {@code recvmmsg} takes every queued reply in one system call and
 * returns without the extra call that a read-until-EAGAIN loop makes. errno matters because a
 * connected UDP socket reports an ICMP "port unreachable" as ECONNREFUSED, which health checking
 * needs. One instance per loop (not thread-safe); nothing allocated per call, under C1 too.
 *
 * <p>errno is read from this thread's errno word ({@link Libc#errnoWord}, which says why not
 * {@code captureCallState}), looked up once per thread, before its first send; a refused upstream
 * whose errno a safepoint overwrote is noticed by its timeout instead, once.
 */
public final class UpstreamDatagrams {
    public static final int ECONNREFUSED = 111;
    public static final int SLOTS = 8;
    /**
     * Bytes of a reply read over UDP: replies longer than this (rare: RFC 9715 and the DNS Flag
     * Day 2020 advise 1232-byte UDP messages) come back marked {@link #truncated} and are asked
     * again over TCP, so 8 slots cost 32 KiB per loop instead of 512 KiB at 64 KiB each.
     */
    public static final int SLOT_SIZE = 4096;

    private static final Linkage LINKED = new Linkage(LinuxSockets.unavailableReason());
    private static final MethodHandle SEND = LINKED.link("send", Libc.L_IPLI);
    private static final MethodHandle RECVMMSG = LINKED.link("recvmmsg", Libc.I_IPIIP);

    private final Arena arena = Arena.ofAuto(); // freed by the GC: sockets may close from another thread
    private final MemorySegment vec = arena.allocate(LinuxSockets.MMSGHDR_SIZE * SLOTS, 8);
    private final long vecAddress = vec.address();
    private final UnsafeBuffer[] slots = new UnsafeBuffer[SLOTS];
    private final long sendBuffer;
    /** errno of the last failed call, read right after it. */
    private int errno;
    /** The thread whose errno word {@link #errnoWord} is (a loop's thread; looked up again if another calls). */
    private Thread errnoThread;
    private MemorySegment errnoWord;

    /** @param sendBufferAddress native address of the buffer queries are sent from, {@code capacity} bytes */
    public UpstreamDatagrams(long sendBufferAddress, long capacity) {
        this.sendBuffer = sendBufferAddress;
        MemorySegment iovs = arena.allocate(LinuxSockets.IOVEC_SIZE * SLOTS, 8);
        MemorySegment data = arena.allocate((long) SLOT_SIZE * SLOTS, 64);
        for (int i = 0; i < SLOTS; i++) {
            MemorySegment slot = data.asSlice((long) SLOT_SIZE * i, SLOT_SIZE);
            slots[i] = new UnsafeBuffer(slot.address(), SLOT_SIZE);
            MemorySegment iov = iovs.asSlice(LinuxSockets.IOVEC_SIZE * i, LinuxSockets.IOVEC_SIZE);
            iov.set(ValueLayout.JAVA_LONG, 0, slot.address());
            iov.set(ValueLayout.JAVA_LONG, 8, SLOT_SIZE);
            long hdr = LinuxSockets.MMSGHDR_SIZE * i;
            vec.set(ValueLayout.JAVA_LONG, hdr + 16, iov.address());
            vec.set(ValueLayout.JAVA_LONG, hdr + 24, 1);
        }
    }

    /** Null when usable here, else why not. */
    public static String unavailableReason() {
        return LINKED.unavailableReason();
    }

    /**
     * Links send, recvmmsg and the errno lookup on the calling thread and calls each once on fd -1
     * (EBADF, no side effect): {@link Prelink}, so the first forwarded query does not link them.
     */
    static void prelink() {
        if (unavailableReason() != null) {
            return;
        }
        try {
            long sent = (long) SEND.invokeExact(-1, 0L, 0L, LinuxSockets.MSG_DONTWAIT);
            int received = (int) RECVMMSG.invokeExact(-1, 0L, 0, LinuxSockets.MSG_DONTWAIT, 0L);
            Libc.errnoWord();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Sends {@code length} bytes of the send buffer; the count sent, or -1 (see {@link #errno()}). */
    public long send(int fd, int length) {
        if (errnoThread != Thread.currentThread()) {
            // Before the first send on this thread, not at the first failure: linking the lookup
            // loads classes and makes system calls, which would overwrite the errno it is to read
            // (the first refused upstream would then look like a timeout).
            lookUpErrnoWord();
        }
        long n;
        try {
            n = (long) SEND.invokeExact(fd, sendBuffer, (long) length, LinuxSockets.MSG_DONTWAIT);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (n < 0) {
            errno = readErrno();
        }
        return n;
    }

    /** Receives up to {@link #SLOTS} queued datagrams; their count, or -1 (see {@link #errno()}). */
    public int receive(int fd) {
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(fd, vecAddress, SLOTS, LinuxSockets.MSG_DONTWAIT, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (n < 0) {
            errno = readErrno();
        }
        return n;
    }

    /** This thread's errno, now (failure path only: the first call on a thread looks its errno word up). */
    private int readErrno() {
        if (errnoThread != Thread.currentThread()) {
            lookUpErrnoWord(); // a receive before any send on this thread: errno may be lost, once
        }
        return errnoWord.get(ValueLayout.JAVA_INT, 0);
    }

    private void lookUpErrnoWord() {
        errnoWord = Libc.errnoWord();
        errnoThread = Thread.currentThread();
    }

    public UnsafeBuffer slot(int i) {
        return slots[i];
    }

    public int length(int i) {
        return vec.get(ValueLayout.JAVA_INT, LinuxSockets.MMSGHDR_SIZE * i + LinuxSockets.MSG_LEN_OFFSET);
    }

    /** True if datagram i was longer than its slot (MSG_TRUNC): only its first {@link #SLOT_SIZE} bytes are there. */
    public boolean truncated(int i) {
        return (vec.get(ValueLayout.JAVA_INT, LinuxSockets.MMSGHDR_SIZE * i + LinuxSockets.MSG_FLAGS_OFFSET)
                & LinuxSockets.MSG_TRUNC) != 0;
    }

    /** errno of the last call that returned -1. */
    public int errno() {
        return errno;
    }
}
