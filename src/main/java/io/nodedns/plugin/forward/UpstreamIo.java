package io.nodedns.plugin.forward;

import io.nodedns.server.UdpIo;

/**
 * The I/O of one connected upstream socket: replies come in as {@link UdpIo} datagrams, queries
 * go out from the loop's send buffer ({@link UpstreamBuffers}). Picked once, when the socket opens.
 */
interface UpstreamIo extends UdpIo {
    /** Sends {@code length} bytes of the loop's send buffer: {@code length}, {@link #FAILED} (see {@link #sendError}) or {@link #REFUSED}. */
    int send(int length);

    /** Why the last send failed, for the error text (failure path only: may build a string). */
    String sendError();
}
