package io.nodedns.server;

import io.nodedns.tls.ServerTls;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocket;

/**
 * One DNS-over-TLS client on a virtual thread of its own: the TLS handshake,
 * then queries one after another (CoreDNS's miekg/dns serves a TLS connection's queries in order
 * too). Deadlines are absolute and kept by {@link TlsServer}'s reaper, which closes the socket
 * (a read or write blocked on it then fails): a client trickling bytes cannot stretch them.
 */
final class TlsConnection implements Runnable, SocketStreamServer.Connection {
    private final TlsServer server;
    private final Socket raw;
    private final AtomicBoolean closed = new AtomicBoolean();
    // nanoTimes, 0 for none: past deadline it is closed for want of a query (none while one is
    // served), past writeDeadline for a reply not written; waitingSince orders evictions
    private volatile long deadline;
    private volatile long writeDeadline;
    private volatile long waitingSince;
    /** Set by {@link #closeWhenIdle}: it ends after the reply it is writing. */
    private volatile boolean closeWhenIdle;
    /** Set once it has read a query: till then it may be in its handshake, or its first query unread. */
    private volatile boolean readAny;

    TlsConnection(TlsServer server, Socket raw, long now) {
        this.server = server;
        this.raw = raw;
        this.waitingSince = now;
        this.deadline = now + server.settings.tcpRead().toNanos(); // the handshake and the first query
    }

    @Override
    public void run() {
        try {
            Socket s = raw;
            ServerTls tls = server.tls();
            if (tls != null) {
                SSLSocket ssl = tls.wrap(raw);
                try {
                    ssl.startHandshake();
                } catch (IOException e) {
                    return; // a wrong name or CA, a missing client certificate: the client sees the alert
                }
                s = ssl;
            }
            serveDot(new BufferedInputStream(s.getInputStream(), 2048), s.getOutputStream());
        } catch (IOException | RuntimeException e) {
            // a broken client, or the reaper closed it: nobody else is affected
        } finally {
            close();
        }
    }

    /** RFC 7858 3.3: messages with the 2-byte length prefix of RFC 1035 4.2.2, as plain TCP. */
    private void serveDot(InputStream in, OutputStream out) throws IOException {
        byte[] q = new byte[512];
        int max = server.settings.maxTcpQueries();
        int served = 0;
        while (true) {
            int hi = in.read();
            int lo = hi < 0 ? -1 : in.read();
            if (lo < 0) {
                return;
            }
            int n = (hi << 8) | lo;
            if (q.length < n) {
                q = new byte[n];
            }
            if (in.readNBytes(q, 0, n) < n) {
                return;
            }
            byte[] reply = answer(q, n);
            served++;
            if (reply != null) {
                byte[] framed = new byte[reply.length + 2];
                framed[0] = (byte) (reply.length >>> 8);
                framed[1] = (byte) reply.length;
                System.arraycopy(reply, 0, framed, 2, reply.length);
                write(out, framed, framed.length);
            }
            if (max >= 0 && served >= max) {
                return; // timeouts maxtcpqueries, as on plain TCP
            }
            waiting();
            if (closeWhenIdle) {
                return; // set while this query was served: evict() found it busy
            }
        }
    }

    /**
     * Serves one query through the listener's chain; the reply's bytes, or null when the chain
     * dropped it. No work free: {@link WorkPool.Busy}, and the connection is closed, as a plain TCP one is.
     */
    private byte[] answer(byte[] query, int n) throws IOException {
        deadline = 0;
        waitingSince = 0;
        readAny = true;
        return server.answer(query, n, (InetSocketAddress) raw.getRemoteSocketAddress());
    }

    /** Writes within the listener's {@code write} timeout (the reaper closes the socket past it). */
    private void write(OutputStream out, byte[] bytes, int n) throws IOException {
        writeDeadline = System.nanoTime() + server.settings.tcpWrite().toNanos();
        try {
            out.write(bytes, 0, n);
            out.flush();
        } finally {
            writeDeadline = 0;
        }
    }

    /** After a reply: the next query must come within {@code idle}. */
    private void waiting() {
        long now = System.nanoTime();
        waitingSince = now;
        deadline = now + server.settings.tcpIdle().toNanos();
    }

    @Override
    public long waitingSince() {
        return waitingSince;
    }

    /** Reaper: closes it past a deadline. */
    @Override
    public void expireIfDue(long now) {
        if (closeWhenIdle && readAny) {
            evict();
        }
        if (past(writeDeadline, now) || past(deadline, now)) {
            close();
        }
    }

    private static boolean past(long deadline, long now) {
        return deadline != 0 && now - deadline >= 0;
    }

    /** Closes it if it waits for a query (the acceptor makes room); false if it serves one. */
    @Override
    public boolean evict() {
        return waitingSince != 0 && closeOnce();
    }

    @Override
    public void close() {
        closeOnce();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) raw.getLocalSocketAddress();
    }

    /** One that has read no query yet (its handshake running, or its first query unread) is left to its first reply or its read deadline. */
    @Override
    public void closeWhenIdle() {
        closeWhenIdle = true;
        if (readAny) {
            evict();
        }
    }

    /** Closes the TCP socket under the TLS layer, which ends any read or write blocked on it; true the first time. */
    private boolean closeOnce() {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        SocketStreamServer.closeQuietly(raw);
        server.closed(this);
        return true;
    }
}
