package io.nodedns.server;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * One TCP client: 2-byte length framing, queries handled in order (as CoreDNS does), so pipelined
 * queries come back in the order sent. The first query must arrive within the read timeout, later
 * ones within the idle timeout; the connection closes after {@code maxTcpQueries} if set.
 */
final class TcpConnection implements Runnable, Responder {
    private static final long COMPLETION_WAIT_SECONDS = 30;

    private final Listener listener;
    private final ListenerSettings settings;
    private final Socket socket;
    private final TcpServer server;
    private final Exchange exchange = new Exchange(4096);
    private final Semaphore completed = new Semaphore(0);
    private final byte[] frame = new byte[Exchange.MAX_MESSAGE + 2];
    /** When the current write started (nanoTime), 0 when not writing: the write-timeout reaper reads it. */
    private volatile long writingSince;
    /** When it began waiting for a query's bytes (nanoTime), 0 while a query is being served. */
    private volatile long waitingSince = System.nanoTime();

    TcpConnection(Listener listener, ListenerSettings settings, Socket socket, TcpServer server) {
        this.listener = listener;
        this.settings = settings;
        this.socket = socket;
        this.server = server;
    }

    @Override
    public void run() {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
            int served = 0;
            while (settings.maxTcpQueries() < 0 || served < settings.maxTcpQueries()) {
                socket.setSoTimeout(timeoutMillis(served == 0 ? settings.tcpRead() : settings.tcpIdle()));
                if (waitingSince == 0) {
                    waitingSince = System.nanoTime();
                }
                int length = readLength(in);
                if (length < 0) {
                    return;
                }
                socket.setSoTimeout(timeoutMillis(settings.tcpRead()));
                readFully(in, frame, length);
                waitingSince = 0;
                served++;
                if (!serve(remote, length)) {
                    continue;
                }
                int replyLength = exchange.responseLength();
                if (replyLength <= 0) {
                    continue;
                }
                exchange.response().getBytes(0, frame, 2, replyLength);
                frame[0] = (byte) (replyLength >>> 8);
                frame[1] = (byte) replyLength;
                writingSince = System.nanoTime();
                out.write(frame, 0, replyLength + 2);
                if (in.available() == 0) {
                    out.flush(); // batch replies to pipelined queries, flush when the client waits
                }
                writingSince = 0;
            }
            out.flush();
        } catch (SocketTimeoutException | EOFException e) {
            // idle or slow client: closing is the answer
        } catch (IOException | RuntimeException e) {
            // a broken client must not affect anyone else
        } finally {
            server.closed(this);
        }
    }

    /** Runs the query; returns true when a reply is ready in the exchange. */
    private boolean serve(InetSocketAddress remote, int length) throws IOException {
        exchange.reset(Transport.TCP, listener, this, System.nanoTime());
        ExpandableDirectByteBuffer request = (ExpandableDirectByteBuffer) exchange.request();
        request.checkLimit(length);
        request.putBytes(0, frame, 0, length);
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
        return true;
    }

    /** When it began waiting for a query (nanoTime), or 0 while it is serving one. */
    long waitingSince() {
        return waitingSince;
    }

    /** Closed by the server to make room (the connection cap is reached and this one only waits). */
    void evict() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void respond(Exchange ex) {
        completed.release();
    }

    private static int timeoutMillis(java.time.Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /** Reads the 2-byte length; -1 on a clean close before the first byte. */
    private static int readLength(InputStream in) throws IOException {
        int hi = in.read();
        if (hi < 0) {
            return -1;
        }
        int lo = in.read();
        if (lo < 0) {
            throw new EOFException();
        }
        return (hi << 8) | lo;
    }

    private static void readFully(InputStream in, byte[] into, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int n = in.read(into, done, length - done);
            if (n < 0) {
                throw new EOFException();
            }
            done += n;
        }
    }

    void close() {
        TcpServer.closeQuietly(socket);
    }

    /** Closes the connection if a write has been stuck longer than the write timeout (a client not reading). */
    void closeIfWriteStuck(long now) {
        long since = writingSince;
        if (since != 0 && now - since > settings.tcpWrite().toNanos()) {
            close();
        }
    }
}
