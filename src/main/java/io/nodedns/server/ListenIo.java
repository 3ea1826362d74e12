package io.nodedns.server;

import java.nio.channels.DatagramChannel;

/**
 * The I/O of a loop's own socket, where clients' queries arrive: besides receiving, it knows each
 * datagram's sender and sends the replies back to it.
 */
interface ListenIo extends UdpIo {
    /**
     * As {@link #receive}, but first waits for a datagram up to the socket's receive timeout (0
     * when none came); only where {@link #waitsInReceive}.
     */
    int receiveWaiting();

    /** True when the socket blocks with a receive timeout of one poll, so an idle loop may wait in {@link #receiveWaiting}. */
    boolean waitsInReceive();

    /** Keeps datagram {@code i}'s sender in the exchange (and, on a wildcard socket, the address it came to): the reply goes there. */
    void sender(int i, Exchange ex);

    /** Sends, or queues for {@link #flush}, the exchange's reply (responseLength() &gt; 0); once sent, the exchange goes back to the loop. */
    void reply(Exchange ex, UdpLoop owner);

    /** Sends the queued replies. */
    void flush(UdpLoop owner);

    /** Replies queued and not yet sent. */
    int queued();

    /**
     * True when each reply leaves from the address its query came to (IP_PKTINFO on a wildcard
     * socket), whatever the socket is connected to.
     */
    boolean repliesFromDestination();

    DatagramChannel channel();

    /** Frees native memory: only once no thread can use this I/O again. */
    void free();
}
