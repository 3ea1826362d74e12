package io.nodedns.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A DNS-over-TLS server (RFC 7858) on a loopback port for tests: answers every A query with
 * {@link #ANSWER}, anything else NOERROR without records; keeps connections open and answers
 * queries on one connection in order. Counts connections and completed handshakes, and records
 * the questions it was asked.
 */
public final class DotServer implements AutoCloseable {
    public static final String ANSWER = "192.0.2.53";

    private final SSLServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final AtomicInteger inHandshake = new AtomicInteger();
    private final AtomicInteger maxInHandshake = new AtomicInteger();
    private final List<String> questions = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile int delayMillis;

    /** @param needClientAuth require a client certificate signed by the context's trusted CA */
    public DotServer(SSLContext context, boolean needClientAuth) throws IOException {
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        server.setNeedClientAuth(needClientAuth);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = Thread.ofVirtual().name("dot-server-accept").start(this::accept);
    }

    /** Holds each reply this long (so concurrent clients need connections of their own). */
    public DotServer delay(int millis) {
        delayMillis = millis;
        return this;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** TCP connections accepted (a failed handshake counts here, not in {@link #handshakes}). */
    public int connections() {
        return connections.get();
    }

    public int handshakes() {
        return handshakes.get();
    }

    /** The most handshakes this server had in progress at once. */
    public int maxConcurrentHandshakes() {
        return maxInHandshake.get();
    }

    /** "name type" of every query read, in order. */
    public List<String> questions() {
        return List.copyOf(questions);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread.ofVirtual().name("dot-server-conn").start(() -> serve((SSLSocket) s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SSLSocket s) {
        try (s) {
            maxInHandshake.accumulateAndGet(inHandshake.incrementAndGet(), Math::max);
            try {
                s.startHandshake();
            } finally {
                inHandshake.decrementAndGet();
            }
            handshakes.incrementAndGet();
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                int n = in.readUnsignedShort();
                byte[] q = new byte[n];
                in.readFully(q);
                byte[] reply = answer(new Message(q));
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                byte[] frame = new byte[reply.length + 2];
                frame[0] = (byte) (reply.length >>> 8);
                frame[1] = (byte) reply.length;
                System.arraycopy(reply, 0, frame, 2, reply.length);
                out.write(frame);
                out.flush();
            }
        } catch (IOException e) {
            // client went away, or the handshake failed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(s);
        }
    }

    private byte[] answer(Message q) throws IOException {
        var question = q.getQuestion();
        questions.add(question.getName() + " " + Type.string(question.getType()));
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
            r.getHeader().setFlag(Flags.RA);
        }
        r.getHeader().setRcode(Rcode.NOERROR);
        r.addRecord(question, Section.QUESTION);
        if (question.getType() == Type.A) {
            r.addRecord(new ARecord(question.getName(), question.getDClass(), 30, InetAddress.getByName(ANSWER)),
                    Section.ANSWER);
        }
        return r.toWire(65535);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        acceptor.interrupt();
    }
}
