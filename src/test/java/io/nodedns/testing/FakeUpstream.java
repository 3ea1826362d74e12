package io.nodedns.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A programmable upstream DNS server on a loopback port (UDP and TCP on the same port). Each query
 * is logged and handed to a {@link Behaviour}, which may answer, stay silent, delay, send junk or
 * spoofed datagrams first, or reply from another port. Loopback only.
 *
 * <p>The log keeps the last {@link #LOG_CAPACITY} queries and counts every one, at a constant cost
 * per query: the allocation tests send 100,000s of queries, and a log that copied itself on each add
 * (a copy-on-write list) put the upstream seconds behind them. Reading the queries themselves
 * ({@link #queries()}, {@link #count}, {@link #await}) after more than that many since
 * {@link #clear()} is an error, not a silently partial answer; {@link #clientQueries()} and
 * {@link #probes()} are always exact.
 */
public final class FakeUpstream implements AutoCloseable {
    /** One query as received. */
    public record Query(Message message, byte[] wire, boolean tcp, InetSocketAddress from) {
        public int id() {
            return message.getHeader().getID();
        }

        public boolean rd() {
            return message.getHeader().getFlag(Flags.RD);
        }

        public String name() {
            return message.getQuestion().getName().toString();
        }

        public int type() {
            return message.getQuestion().getType();
        }

        /** A health probe: an NS query (the forward plugin's probe type). */
        public boolean isProbe() {
            Record question = message.getQuestion();
            return question != null && question.getType() == Type.NS;
        }
    }

    /** Decides what happens to one query; runs on the server's receive thread. */
    @FunctionalInterface
    public interface Behaviour {
        void on(Query query, Replies out) throws IOException;
    }

    /** Ways to answer one query. */
    public final class Replies {
        private final Query query;
        private final DataOutputStream tcpOut;

        Replies(Query query, DataOutputStream tcpOut) {
            this.query = query;
            this.tcpOut = tcpOut;
        }

        /** Sends bytes back to the client over the query's transport. */
        public void send(byte[] wire) throws IOException {
            if (tcpOut != null) {
                synchronized (tcpOut) {
                    tcpOut.writeShort(wire.length);
                    tcpOut.write(wire);
                    tcpOut.flush();
                }
            } else {
                udp.send(new DatagramPacket(wire, wire.length, query.from()));
            }
        }

        public void send(Message m) throws IOException {
            send(m.toWire(65535));
        }

        /** The default answer ({@link #answer}). */
        public void answer() throws IOException {
            send(reply.apply(query.message()));
        }

        /** UDP: the same bytes from a different source port (a spoofer on another socket). */
        public void sendFromOtherPort(byte[] wire) throws IOException {
            try (DatagramSocket other = new DatagramSocket(new InetSocketAddress(address.getAddress(), 0))) {
                other.send(new DatagramPacket(wire, wire.length, query.from()));
            }
        }

        /** UDP: bytes to another port on the client's host (one of its other sockets). */
        public void sendToPort(int port, byte[] wire) throws IOException {
            udp.send(new DatagramPacket(wire, wire.length, new InetSocketAddress(query.from().getAddress(), port)));
        }

        /** Sends after a delay, off the receive thread. */
        public void later(long millis, byte[] wire) {
            timer.schedule(() -> {
                try {
                    send(wire);
                } catch (IOException ignored) {
                    // the client went away
                }
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    private final InetSocketAddress address;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    /** Queries kept for reading; more arrive in the allocation tests' rounds than tests read. */
    static final int LOG_CAPACITY = 16_384;

    /** The last LOG_CAPACITY queries; guards itself and the two counts below. */
    private final ArrayDeque<Query> log = new ArrayDeque<>();
    private long logged;
    private long probesLogged;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger tcpAccepted = new AtomicInteger();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-upstream-timer");
        t.setDaemon(true);
        return t;
    });
    private volatile Behaviour behaviour = (q, out) -> out.answer();
    private volatile java.util.function.Function<Message, Message> reply = FakeUpstream::answer;
    private volatile boolean open = true;

    private FakeUpstream(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        this.address = (InetSocketAddress) udp.getLocalSocketAddress();
        Thread.ofPlatform().daemon().name("fake-upstream-udp-" + port()).start(this::udpLoop);
        Thread.ofVirtual().name("fake-upstream-tcp-" + port()).start(this::acceptLoop);
    }

    private static FakeUpstream bind(InetAddress host) throws IOException {
        IOException last = null;
        for (int i = 0; i < 20; i++) {
            int port = FreePorts.udpAndTcp();
            DatagramSocket u = null;
            try {
                u = new DatagramSocket(new InetSocketAddress(host, port));
                ServerSocket t = new ServerSocket();
                t.setReuseAddress(true);
                t.bind(new InetSocketAddress(host, port));
                return new FakeUpstream(u, t);
            } catch (IOException e) {
                last = e;
                if (u != null) {
                    u.close();
                }
            }
        }
        throw last;
    }

    /** A fake upstream on 127.0.0.1. */
    public static FakeUpstream start() throws IOException {
        return bind(InetAddress.getByName("127.0.0.1"));
    }

    /** A fake upstream on a loopback literal such as "::1". */
    public static FakeUpstream start(String loopback) throws IOException {
        InetAddress a = InetAddress.getByName(loopback);
        if (!a.isLoopbackAddress()) {
            throw new IllegalArgumentException("loopback only: " + loopback);
        }
        return bind(a);
    }

    /** Default answer: A 192.0.2.1 / AAAA 2001:db8::1 for those types, else an empty NOERROR. */
    public static Message answer(Message q) {
        Message r = replyTo(q, Rcode.NOERROR);
        Record question = q.getQuestion();
        try {
            if (question.getType() == Type.A) {
                r.addRecord(
                        new ARecord(question.getName(), question.getDClass(), 60, InetAddress.getByName("192.0.2.1")),
                        Section.ANSWER);
            } else if (question.getType() == Type.AAAA) {
                r.addRecord(new AAAARecord(question.getName(), question.getDClass(), 60,
                        InetAddress.getByName("2001:db8::1")), Section.ANSWER);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return r;
    }

    /** A reply header for a query: same ID and question, QR and RA set, the given rcode. */
    public static Message replyTo(Message q, int rcode) {
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.getHeader().setRcode(rcode);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        return r;
    }

    public FakeUpstream behaviour(Behaviour b) {
        this.behaviour = b;
        return this;
    }

    /** Replaces what {@link Replies#answer()} sends. */
    public FakeUpstream reply(java.util.function.Function<Message, Message> f) {
        this.reply = f;
        return this;
    }

    public Message replyFor(Message q) {
        return reply.apply(q);
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /** "127.0.0.1:PORT" or "[::1]:PORT", as a forward TO. */
    public String hostPort() {
        String h = address.getAddress().getHostAddress();
        return h.contains(":") ? "[" + h + "]:" + port() : h + ":" + port();
    }

    /** Every query since {@link #clear()}, oldest first. */
    public List<Query> queries() {
        synchronized (log) {
            requireWholeLog();
            return new ArrayList<>(log);
        }
    }

    public int count(Predicate<Query> p) {
        synchronized (log) {
            requireWholeLog();
            int c = 0;
            for (Query q : log) {
                if (p.test(q)) {
                    c++;
                }
            }
            return c;
        }
    }

    /** Client queries (not health probes) since {@link #clear()}. */
    public int clientQueries() {
        synchronized (log) {
            return Math.toIntExact(logged - probesLogged);
        }
    }

    public int probes() {
        synchronized (log) {
            return Math.toIntExact(probesLogged);
        }
    }

    public int tcpConnectionsAccepted() {
        return tcpAccepted.get();
    }

    public void clear() {
        synchronized (log) {
            log.clear();
            logged = 0;
            probesLogged = 0;
        }
    }

    private void log(Query q) {
        synchronized (log) {
            if (log.size() == LOG_CAPACITY) {
                log.removeFirst();
            }
            log.addLast(q);
            logged++;
            if (q.isProbe()) {
                probesLogged++;
            }
        }
    }

    private void requireWholeLog() {
        if (logged > log.size()) {
            throw new IllegalStateException("the log keeps the last " + LOG_CAPACITY + " queries and " + logged
                    + " arrived since clear(): clear() between rounds, or count with clientQueries() or probes()");
        }
    }

    /** Waits until at least n queries matching p arrived; returns the count seen. */
    public int await(Predicate<Query> p, int n, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        int c;
        while ((c = count(p)) < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return c;
    }

    private void udpLoop() {
        byte[] buf = new byte[65535];
        while (open) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
                byte[] wire = java.util.Arrays.copyOf(buf, p.getLength());
                handle(wire, false, (InetSocketAddress) p.getSocketAddress(), null);
            } catch (IOException e) {
                if (!open) {
                    return;
                }
            }
        }
    }

    private void acceptLoop() {
        while (open) {
            try {
                Socket s = tcp.accept();
                tcpAccepted.incrementAndGet();
                connections.add(s);
                Thread.ofVirtual().start(() -> serveTcp(s));
            } catch (IOException e) {
                if (!open) {
                    return;
                }
            }
        }
    }

    private void serveTcp(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (open) {
                int len = in.readUnsignedShort();
                byte[] wire = new byte[len];
                in.readFully(wire);
                handle(wire, true, (InetSocketAddress) s.getRemoteSocketAddress(), out);
            }
        } catch (IOException e) {
            // client closed
        } finally {
            connections.remove(s);
        }
    }

    /** Closes the server side of every open TCP connection (a peer that hung up). */
    public void closeConnections() {
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Open TCP connections from clients right now. */
    public int openConnections() {
        return connections.size();
    }

    private void handle(byte[] wire, boolean isTcp, InetSocketAddress from, DataOutputStream tcpOut)
            throws IOException {
        Message m;
        try {
            m = new Message(wire);
        } catch (IOException e) {
            return; // not a DNS message: ignore
        }
        Query q = new Query(m, wire, isTcp, from);
        log(q);
        behaviour.on(q, new Replies(q, tcpOut));
    }

    @Override
    public void close() {
        open = false;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        timer.shutdownNow();
    }
}
