package io.nodedns.server;

import org.agrona.DirectBuffer;

/**
 * Datagram I/O on one UDP socket, picked once when the socket is opened ({@link UdpSockets}):
 * recvmmsg/sendmmsg through the FFM API, which move a batch of datagrams per system call and build
 * no Java objects, or NIO where that cannot be used. A loop's own socket ({@link ListenIo}) and
 * forward's connected upstream sockets receive through it, so neither asks again which path it is
 * on. What a receive returned stays in the I/O's slots until the next one. Loop thread only.
 */
public interface UdpIo {
    /** {@link #receive}: any failure but {@link #REFUSED} (a socket error; the caller waits for the next datagram). */
    int FAILED = -1;
    /** {@link #receive}: a connected socket's peer answered ICMP port unreachable (ECONNREFUSED). */
    int REFUSED = -2;

    /**
     * Reads up to {@link #batch} queued datagrams without waiting: how many (0 when none is
     * queued), or, on a connected socket, {@link #FAILED} or {@link #REFUSED}.
     */
    int receive();

    /** The most datagrams one {@link #receive} returns: fewer means the queue is empty. */
    int batch();

    /** Datagram {@code i} of the last receive, {@link #length} bytes from offset 0. */
    DirectBuffer data(int i);

    /** Bytes of datagram {@code i} held: at most a slot. */
    int length(int i);

    /** True if datagram {@code i} was longer than its slot (only its first {@link #length} bytes are there). */
    boolean truncated(int i);

    /** True for the recvmmsg/sendmmsg path. */
    boolean nativeIo();
}
