package io.nodedns.plugin.forward;

import io.nodedns.server.LoopLocal;
import io.nodedns.sys.UpstreamDatagrams;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A loop's send and receive buffers for upstream datagrams, shared by every forwarder and socket
 * on that loop: each is filled and used within one call on the loop thread. Per loop rather than
 * per forwarder, so a reload, which builds new forwarders, allocates no native memory (per
 * forwarder they were freed only by a GC, and glibc kept the pages: RSS grew with every reload).
 */
final class UpstreamBuffers {
    /** Bytes of a query or reply over UDP here; a longer query goes over TCP, a longer reply is asked again over TCP. */
    static final int UDP_SIZE = UpstreamDatagrams.SLOT_SIZE;
    static final LoopLocal<UpstreamBuffers> OF_LOOP = new LoopLocal<>(l -> new UpstreamBuffers());

    final ByteBuffer txBuffer = ByteBuffer.allocateDirect(UDP_SIZE);
    final UnsafeBuffer tx = new UnsafeBuffer(txBuffer);
    /** recvmmsg slots and send from {@link #tx}; null where FFM is unavailable. */
    final UpstreamDatagrams datagrams = UpstreamDatagrams.unavailableReason() == null
            ? new UpstreamDatagrams(tx.addressOffset(), UDP_SIZE)
            : null;
    /** The NIO path's receive buffer (a slot and one byte, so a longer reply shows as cut); made on first use. */
    private ByteBuffer rxBuffer;
    private UnsafeBuffer rx;

    ByteBuffer rxBuffer() {
        if (rxBuffer == null) {
            rxBuffer = ByteBuffer.allocateDirect(UDP_SIZE + 1);
            rx = new UnsafeBuffer(rxBuffer);
        }
        return rxBuffer;
    }

    /** A view of {@link #rxBuffer()}. */
    UnsafeBuffer rx() {
        return rx;
    }
}
