package io.nodedns.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Native send and batched receive on one loop's connected upstream sockets: {@code send} skips
 * NIO's per-call locking, and {@code recvmmsg} takes every queued reply in one system call and
 * returns without the extra call that a read-until-EAGAIN loop makes. errno is captured because a
 * connected UDP socket reports an ICMP "port unreachable" as ECONNREFUSED, which health checking
 * needs. One instance per loop (not thread-safe); nothing allocated per call.
 * (Capturing errno cost bytes per call only before the JIT compiled the call site: measured 0 B/call
 * once warm, see ForwardAllocationTest.)
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

    private static final MethodHandle SEND;
    private static final MethodHandle RECVMMSG;
    private static final VarHandle ERRNO;
    private static final String UNAVAILABLE;

    static {
        MethodHandle send = null;
        MethodHandle recv = null;
        VarHandle errno = null;
        String why = LinuxSockets.unavailableReason();
        if (why == null) {
            try {
                Linker.Option ccs = Linker.Option.captureCallState("errno");
                errno = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
                send = Libc.downcall("send", FunctionDescriptor.of(
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), ccs);
                recv = Libc.downcall("recvmmsg", FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS), ccs);
            } catch (Throwable t) {
                why = t.toString();
            }
        }
        SEND = send;
        RECVMMSG = recv;
        ERRNO = errno;
        UNAVAILABLE = why;
    }

    private final Arena arena = Arena.ofAuto(); // freed by the GC: sockets may close from another thread
    private final MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
    private final MemorySegment vec = arena.allocate(LinuxSockets.MMSGHDR_SIZE * SLOTS, 8);
    private final UnsafeBuffer[] slots = new UnsafeBuffer[SLOTS];
    private final MemorySegment sendBuffer;

    /** @param sendBufferAddress native address of the buffer queries are sent from, {@code capacity} bytes */
    public UpstreamDatagrams(long sendBufferAddress, long capacity) {
        this.sendBuffer = MemorySegment.ofAddress(sendBufferAddress).reinterpret(capacity);
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
        return UNAVAILABLE;
    }

    /** Sends {@code length} bytes of the send buffer; the count sent, or -1 (see {@link #errno()}). */
    public long send(int fd, int length) {
        try {
            return (long) SEND.invokeExact(state, fd, sendBuffer, (long) length, LinuxSockets.MSG_DONTWAIT);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Receives up to {@link #SLOTS} queued datagrams; their count, or -1 (see {@link #errno()}). */
    public int receive(int fd) {
        try {
            return (int) RECVMMSG.invokeExact(state, fd, vec, SLOTS, LinuxSockets.MSG_DONTWAIT, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public UnsafeBuffer slot(int i) {
        return slots[i];
    }

    public int length(int i) {
        return vec.get(ValueLayout.JAVA_INT, LinuxSockets.MMSGHDR_SIZE * i + LinuxSockets.MSG_LEN_OFFSET);
    }

    /** True if datagram i was longer than its slot (MSG_TRUNC): only its first {@link #SLOT_SIZE} bytes are there. */
    public boolean truncated(int i) {
        return (vec.get(ValueLayout.JAVA_INT, LinuxSockets.MMSGHDR_SIZE * i + LinuxSockets.MSG_FLAGS_OFFSET) & LinuxSockets.MSG_TRUNC) != 0;
    }

    public int errno() {
        return (int) ERRNO.get(state, 0L);
    }
}
