package io.nodedns.plugin.forward;

import io.nodedns.server.UdpIo;

/**
 * The I/O of one connected upstream socket: replies come in as {@link UdpIo} datagrams, queries
 * go out from the loop's send buffer ({@link UpstreamBuffers}). Picked once, when the socket opens.
 */
interface UpstreamIo extends UdpIo {
    /** Sends {@code length} bytes of the loop's send buffer: {@code length}, {@link #FAILED} (see {@link #sendErrno}) or {@link #REFUSED}. */
    int send(int length);

    /** The errno of the last failed send (0 if unknown): kept as a number, its text is built only where it is read. */
    int sendErrno();
}
