package io.nodedns.server;

import io.nodedns.sys.LinuxSockets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.DatagramChannel;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A loop socket's recvmmsg/sendmmsg I/O: a preallocated receive vector of {@link #BATCH} datagram
 * slots and a send vector that points straight at the exchanges' reply buffers and raw client
 * addresses. Nothing is allocated per datagram. A slot holds {@link #SLOT} bytes, what a DNS query
 * over UDP needs (a question, an OPT record with cookie or padding, a TSIG: a few hundred bytes;
 * CoreDNS reads 512): 128 KiB of slots per loop instead of 2 MiB at 64 KiB each. A longer
 * datagram comes back marked truncated ({@link #truncated}) and is answered FORMERR.
 */
final class NativeListenIo implements ListenIo {
    static final int BATCH = 32;
    static final int SLOT = UdpLoop.EXCHANGE_CAPACITY;
    /** Ancillary data room per datagram: one IPV6_PKTINFO (40 bytes) or IP_PKTINFO (32) message. */
    static final int CONTROL = 64;

    private final DatagramChannel channel;
    private final int fd;
    private final boolean pktinfo;
    private final boolean waitsInReceive;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment recvVec = arena.allocate(LinuxSockets.MMSGHDR_SIZE * BATCH, 8);
    private final MemorySegment recvIov = arena.allocate(LinuxSockets.IOVEC_SIZE * BATCH, 8);
    private final MemorySegment names = arena.allocate((long) LinuxSockets.SOCKADDR_SIZE * BATCH, 8);
    private final MemorySegment data = arena.allocate((long) SLOT * BATCH, 64);
    private final UnsafeBuffer[] slots = new UnsafeBuffer[BATCH];
    private final MemorySegment[] slotNames = new MemorySegment[BATCH];
    private final MemorySegment sendVec = arena.allocate(LinuxSockets.MMSGHDR_SIZE * BATCH, 8);
    private final MemorySegment sendIov = arena.allocate(LinuxSockets.IOVEC_SIZE * BATCH, 8);
    private final MemorySegment[] sendVecFrom = new MemorySegment[BATCH];
    private final MemorySegment control;
    private final MemorySegment[] slotControl = new MemorySegment[BATCH];
    private final Exchange[] queued = new Exchange[BATCH];
    private int queuedCount;
    private long sendErrors;

    /**
     * @param pktinfo the socket is bound to a wildcard address and has IP_PKTINFO / IPV6_RECVPKTINFO
     *     on: each datagram's destination address is read, and the reply leaves from it (a client
     *     with a connected socket, like glibc's resolver, drops replies from any other address)
     * @param waitsInReceive the socket blocks with a receive timeout (see {@link #receiveWaiting})
     */
    NativeListenIo(DatagramChannel channel, int fd, boolean pktinfo, boolean waitsInReceive) {
        this.channel = channel;
        this.fd = fd;
        this.pktinfo = pktinfo;
        this.waitsInReceive = waitsInReceive;
        this.control = pktinfo ? arena.allocate((long) CONTROL * BATCH, 8) : null;
        for (int i = 0; i < BATCH; i++) {
            if (pktinfo) {
                slotControl[i] = control.asSlice((long) CONTROL * i, CONTROL);
            }
            MemorySegment slot = data.asSlice((long) SLOT * i, SLOT);
            slots[i] = new UnsafeBuffer(slot.address(), SLOT);
            slotNames[i] = names.asSlice((long) LinuxSockets.SOCKADDR_SIZE * i, LinuxSockets.SOCKADDR_SIZE);
            MemorySegment iov = recvIov.asSlice(LinuxSockets.IOVEC_SIZE * i, LinuxSockets.IOVEC_SIZE);
            iov.set(ValueLayout.JAVA_LONG, 0, slot.address());
            iov.set(ValueLayout.JAVA_LONG, 8, SLOT);
            MemorySegment hdr = recvVec.asSlice(LinuxSockets.MMSGHDR_SIZE * i, LinuxSockets.MMSGHDR_SIZE);
            hdr.set(ValueLayout.JAVA_LONG, 0, slotNames[i].address());
            hdr.set(ValueLayout.JAVA_LONG, 16, iov.address());
            hdr.set(ValueLayout.JAVA_LONG, 24, 1);
            if (pktinfo) {
                hdr.set(ValueLayout.JAVA_LONG, LinuxSockets.MSG_CONTROL_OFFSET, slotControl[i].address());
            }
            MemorySegment sendHdr = sendVec.asSlice(LinuxSockets.MMSGHDR_SIZE * i, LinuxSockets.MMSGHDR_SIZE);
            sendHdr.set(ValueLayout.JAVA_LONG, 16, sendIov.address() + LinuxSockets.IOVEC_SIZE * i);
            sendHdr.set(ValueLayout.JAVA_LONG, 24, 1);
            sendVecFrom[i] = sendVec.asSlice(LinuxSockets.MMSGHDR_SIZE * i);
        }
    }

    @Override
    public int receive() {
        return receive(LinuxSockets.MSG_DONTWAIT);
    }

    /** On the blocking socket: waits at most its SO_RCVTIMEO, then takes whatever else is queued. */
    @Override
    public int receiveWaiting() {
        return receive(LinuxSockets.MSG_WAITFORONE);
    }

    private int receive(int flags) {
        for (int i = 0; i < BATCH; i++) {
            recvVec.set(ValueLayout.JAVA_INT, LinuxSockets.MMSGHDR_SIZE * i + 8, LinuxSockets.SOCKADDR_SIZE);
            if (pktinfo) { // the kernel overwrites it with the length used
                recvVec.set(ValueLayout.JAVA_LONG, LinuxSockets.MMSGHDR_SIZE * i + LinuxSockets.MSG_CONTROLLEN_OFFSET,
                        CONTROL);
            }
        }
        int n = LinuxSockets.recvmmsg(fd, recvVec, BATCH, flags);
        return Math.max(n, 0);
    }

    @Override
    public boolean waitsInReceive() {
        return waitsInReceive;
    }

    @Override
    public boolean repliesFromDestination() {
        return pktinfo;
    }

    @Override
    public int batch() {
        return BATCH;
    }

    @Override
    public DirectBuffer data(int i) {
        return slots[i];
    }

    @Override
    public int length(int i) {
        return Math.min(recvVec.get(ValueLayout.JAVA_INT, LinuxSockets.MMSGHDR_SIZE * i + LinuxSockets.MSG_LEN_OFFSET),
                SLOT);
    }

    /** MSG_TRUNC in the datagram's msg_flags. */
    @Override
    public boolean truncated(int i) {
        return (recvVec.get(ValueLayout.JAVA_INT, LinuxSockets.MMSGHDR_SIZE * i + LinuxSockets.MSG_FLAGS_OFFSET)
                & LinuxSockets.MSG_TRUNC) != 0;
    }

    /** The raw sockaddr (no InetSocketAddress), and with pktinfo the control message for the reply's source. */
    @Override
    public void sender(int i, Exchange ex) {
        ex.peer(slotNames[i], recvVec.get(ValueLayout.JAVA_INT, LinuxSockets.MMSGHDR_SIZE * i + 8));
        if (pktinfo) {
            ex.replySourceFrom(slotControl[i],
                    (int) recvVec.get(ValueLayout.JAVA_LONG,
                            LinuxSockets.MMSGHDR_SIZE * i + LinuxSockets.MSG_CONTROLLEN_OFFSET));
        }
    }

    /** Queues the reply for the next sendmmsg; a full queue is flushed first. */
    @Override
    public void reply(Exchange ex, UdpLoop owner) {
        if (!queue(ex)) {
            flush(owner);
            queue(ex);
        }
    }

    private boolean queue(Exchange ex) {
        if (queuedCount == BATCH) {
            return false;
        }
        int i = queuedCount++;
        queued[i] = ex;
        long hdr = LinuxSockets.MMSGHDR_SIZE * i;
        sendVec.set(ValueLayout.JAVA_LONG, hdr, ex.peer().address());
        sendVec.set(ValueLayout.JAVA_INT, hdr + 8, ex.peerLength());
        int ctl = ex.replySourceLength();
        sendVec.set(ValueLayout.JAVA_LONG, hdr + LinuxSockets.MSG_CONTROL_OFFSET,
                ctl == 0 ? 0 : ex.replySource().address());
        sendVec.set(ValueLayout.JAVA_LONG, hdr + LinuxSockets.MSG_CONTROLLEN_OFFSET, ctl);
        long iov = LinuxSockets.IOVEC_SIZE * i;
        sendIov.set(ValueLayout.JAVA_LONG, iov, ex.response().addressOffset());
        sendIov.set(ValueLayout.JAVA_LONG, iov + 8, ex.responseLength());
        return true;
    }

    /** Sends everything queued (one sendmmsg when all goes well) and hands each exchange back. */
    @Override
    public void flush(UdpLoop owner) {
        int done = 0;
        while (done < queuedCount) {
            int n = LinuxSockets.sendmmsg(fd, sendVecFrom[done], queuedCount - done, LinuxSockets.MSG_DONTWAIT);
            if (n <= 0) {
                sendErrors++; // the message at `done` could not be sent: skip it, keep the rest
                n = 1;
            }
            done += n;
        }
        for (int i = 0; i < queuedCount; i++) {
            owner.release(queued[i]);
            queued[i] = null;
        }
        queuedCount = 0;
    }

    @Override
    public int queued() {
        return queuedCount;
    }

    long sendErrors() {
        return sendErrors;
    }

    @Override
    public boolean nativeIo() {
        return true;
    }

    @Override
    public DatagramChannel channel() {
        return channel;
    }

    @Override
    public void free() {
        arena.close();
    }
}
