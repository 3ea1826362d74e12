package io.nodedns.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A connection where epoll is unavailable: read by blocking calls on a virtual thread of its own. */
final class BlockingTcpConnection extends TcpConnection {
    BlockingTcpConnection(TcpServer server, SocketChannel channel, long now) {
        super(server, channel, now);
    }

    /**
     * Without epoll: this connection's own virtual thread waits in blocking reads (it then costs a
     * stack) and serves its queries one after another.
     */
    void runBlocking() {
        ByteBuffer prefix = ByteBuffer.allocate(2);
        TcpWork work = null;
        try {
            while (state == IDLE) {
                prefix.clear();
                while (prefix.hasRemaining()) {
                    if (channel.read(prefix) < 0) {
                        return;
                    }
                }
                int n = ((prefix.get(0) & 0xff) << 8) | (prefix.get(1) & 0xff);
                TcpWork w = server.takeWork();
                if (w == null) {
                    return;
                }
                work = w; // given back below if the message never comes whole
                w.requestAddress(n);
                ByteBuffer body = ((org.agrona.ExpandableDirectByteBuffer) w.exchange.request()).byteBuffer();
                body.clear().limit(n);
                while (body.hasRemaining()) {
                    if (channel.read(body) < 0) {
                        return;
                    }
                }
                if (!STATE.compareAndSet(this, IDLE, PAUSED)) {
                    return;
                }
                work = null;
                deadline = 0;
                waitingSince = 0;
                served++;
                IN_FLIGHT.getAndAdd(this, 1);
                serve(w); // back to IDLE unless it closed
            }
        } catch (IOException | RuntimeException e) {
            // timeout (the reaper closed it), or a broken client
        } finally {
            if (work != null) {
                server.giveBack(work);
            }
            close();
        }
    }

    /** Reading goes on by itself: the reading thread loops while the connection is IDLE. */
    @Override
    boolean readOn(TcpWork w) {
        return true;
    }

    /** Nothing: the reading thread gives back its own work. */
    @Override
    void released(int from) {}
}
