package io.nodedns.server;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * What a TCP connection needs only while one of its messages is read, served or written: the exchange,
 * the framed reply and a completion signal. Pooled per listener ({@link TcpServer}) and bounded,
 * so idle connections hold none and a flood of busy ones cannot grow memory past the bound.
 */
final class TcpWork implements Responder, Runnable {
    private static final int INITIAL = 4096;
    private static final long COMPLETION_WAIT_SECONDS = 30;

    final Exchange exchange = new Exchange(INITIAL);
    private final Semaphore completed = new Semaphore(0);
    private final ExpandableDirectByteBuffer frame = new ExpandableDirectByteBuffer(INITIAL + 2);
    /** epoll_ctl's event struct for the thread that holds this work. */
    final MemorySegment scratch = Arena.ofAuto().allocate(16, 8);
    /** Length of the request in the exchange's request buffer. */
    int length;
    /** The connection whose query this work serves (set before its thread starts). */
    TcpConnection connection;

    /** Makes room for a request of {@code n} bytes; returns the native address to read it to. */
    long requestAddress(int n) {
        ExpandableDirectByteBuffer request = (ExpandableDirectByteBuffer) exchange.request();
        request.checkLimit(Math.max(1, n));
        length = n;
        return request.addressOffset();
    }

    /** Runs the query (counted for {@link HeapRelease}); true when a reply is ready in the exchange. */
    boolean serve(Listener listener, java.net.InetSocketAddress remote) throws IOException {
        listener.countStreamQuery();
        exchange.reset(Transport.TCP, listener, this, System.nanoTime());
        exchange.requestLength(length);
        exchange.client().set(remote);
        completed.drainPermits();
        if (!QueryProcessor.process(exchange)) {
            return false;
        }
        try {
            if (!completed.tryAcquire(COMPLETION_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("query never completed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return exchange.responseLength() > 0;
    }

    /** Writes the reply with its length prefix (blocking; the reaper closes the channel past the write timeout). */
    void writeReply(SocketChannel channel) throws IOException {
        int n = exchange.responseLength();
        frame.checkLimit(n + 2);
        frame.putByte(0, (byte) (n >>> 8));
        frame.putByte(1, (byte) n);
        frame.putBytes(2, exchange.response(), 0, n);
        ByteBuffer out = frame.byteBuffer();
        out.clear().limit(n + 2);
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    /** The query's virtual thread. */
    @Override
    public void run() {
        connection.serve(this);
    }

    @Override
    public void respond(Exchange ex) {
        completed.release();
    }
}
