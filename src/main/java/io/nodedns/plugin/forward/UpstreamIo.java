package io.nodedns.plugin.forward;

import io.nodedns.server.UdpIo;
import java.io.IOException;

/**
 * The I/O of one connected upstream socket: replies come in as {@link UdpIo} datagrams, queries
 * go out from the loop's send buffer ({@link UpstreamBuffers}). Picked once, when the socket opens.
 */
interface UpstreamIo extends UdpIo {
    /** Sends {@code length} bytes of the loop's send buffer: {@code length}, {@link #FAILED} (see {@link #sendErrno}) or {@link #REFUSED}. */
    int send(int length);

    /** The errno of the last failed send (0 if unknown): kept as a number, its text is built only where it is read. */
    int sendErrno();

    /**
     * The exception of the last failed send when its errno is unknown ({@link #sendErrno} 0: a JDK
     * text not in {@link io.nodedns.sys.Errno}'s table, or none, as ClosedChannelException has), so
     * its text is not lost; null otherwise.
     */
    default IOException sendFailure() {
        return null;
    }
}
