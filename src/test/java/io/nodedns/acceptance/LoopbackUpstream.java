package io.nodedns.acceptance;

import io.nodedns.testing.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lean UDP upstream on 127.0.0.1 for load tests: answers A queries with one A record and
 * anything else (the forwarder's NS health probes) with an empty NOERROR, without parsing through
 * dnsjava or keeping queries (FakeUpstream logs every query, too heavy at thousands per second).
 * It can die in two ways and come back on the same port:
 * {@link Fault#CLOSED} closes the socket (the kernel answers ICMP port unreachable);
 * {@link Fault#SILENT} keeps it open and drops everything, probes included.
 */
final class LoopbackUpstream implements AutoCloseable {
    enum Fault {
        CLOSED, SILENT
    }

    private final int port;
    private final AtomicLong real = new AtomicLong();
    private final AtomicLong probes = new AtomicLong();
    /** Receive time of every client (non-probe) query, for "did B get queries while down". */
    private final long[] realTimes = new long[1 << 18];
    private volatile DatagramChannel channel;
    private volatile boolean silent;
    private volatile int ttl = 60;
    /** Client queries per tracked name (lower case, no final dot); empty: nothing decoded. */
    private volatile Map<String, AtomicLong> tracked = Map.of();
    private volatile boolean revived;
    private volatile long firstRealAfterRevive;
    private Thread thread;

    private LoopbackUpstream(DatagramChannel channel) throws IOException {
        this.channel = channel;
        this.port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        serve(channel);
    }

    static LoopbackUpstream start() throws IOException {
        IOException last = null;
        for (int i = 0; i < 20; i++) {
            try {
                return new LoopbackUpstream(open(FreePorts.udpAndTcp()));
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    private static DatagramChannel open(int port) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
            ch.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private void serve(DatagramChannel ch) {
        thread = Thread.ofPlatform().daemon().name("loopback-upstream-" + port).start(() -> loop(ch));
    }

    private void loop(DatagramChannel ch) {
        ByteBuffer in = ByteBuffer.allocate(4096);
        byte[] b = in.array();
        ByteBuffer out = ByteBuffer.allocate(4096);
        try {
            while (true) {
                in.clear();
                SocketAddress from = ch.receive(in);
                int n = in.position();
                int qend = Wire.qnameEnd(b, n);
                if (n < 12 || (b[2] & 0x80) != 0 || qend < 0 || qend + 4 > n) {
                    continue;
                }
                int qtype = ((b[qend] & 0xFF) << 8) | (b[qend + 1] & 0xFF);
                long now = System.nanoTime();
                if (qtype == Wire.TYPE_NS) {
                    probes.incrementAndGet();
                } else {
                    long k = real.getAndIncrement();
                    if (k < realTimes.length) {
                        realTimes[(int) k] = now;
                    }
                    Map<String, AtomicLong> t = tracked;
                    if (!t.isEmpty()) {
                        AtomicLong c = t.get(Wire.name(b, qend));
                        if (c != null) {
                            c.incrementAndGet();
                        }
                    }
                    if (revived && firstRealAfterRevive == 0) {
                        firstRealAfterRevive = now;
                    }
                }
                if (silent) {
                    continue;
                }
                out.clear();
                out.put(b, 0, qend + 4);
                out.put(2, (byte) (0x80 | (b[2] & 0x01))); // QR, RD kept, opcode 0
                out.put(3, (byte) 0x80); // RA, NOERROR
                out.putShort(6, (short) (qtype == Wire.TYPE_A ? 1 : 0));
                out.putShort(8, (short) 0).putShort(10, (short) 0);
                if (qtype == Wire.TYPE_A) {
                    out.putShort((short) 0xC00C).putShort((short) 1).putShort((short) 1).putInt(ttl)
                            .putShort((short) 4).putInt(0xC0000201);
                }
                ch.send(out.flip(), from);
            }
        } catch (IOException closed) {
            // socket closed: killed or shut down
        }
    }

    /** Stops answering the way the fault says. */
    void fail(Fault fault) throws IOException, InterruptedException {
        if (fault == Fault.SILENT) {
            silent = true;
            return;
        }
        channel.close();
        thread.join();
    }

    /** Answers again on the same port (rebinding it after a CLOSED fault). */
    void revive() throws IOException, InterruptedException {
        silent = false;
        revived = true;
        if (!channel.isOpen()) {
            IOException last = null;
            for (int i = 0; i < 100 && !channel.isOpen(); i++) {
                try {
                    channel = open(port);
                    serve(channel);
                } catch (IOException e) {
                    last = e; // someone else holds the port for a moment: retry briefly
                    Thread.sleep(10);
                }
            }
            if (!channel.isOpen()) {
                throw last;
            }
        }
    }

    /** The TTL of the A records it answers with (60 unless set). */
    LoopbackUpstream ttl(int seconds) {
        this.ttl = seconds;
        return this;
    }

    /** From now on, counts the client queries for each of these names (case-insensitive, no final dot). */
    void track(Iterable<String> names) {
        Map<String, AtomicLong> m = new HashMap<>();
        for (String n : names) {
            m.put(n.toLowerCase(java.util.Locale.ROOT), new AtomicLong());
        }
        tracked = m;
    }

    /** Client queries seen for a tracked name since {@link #track}. */
    long queriesFor(String name) {
        AtomicLong c = tracked.get(name.toLowerCase(java.util.Locale.ROOT));
        if (c == null) {
            throw new IllegalArgumentException("not tracked: " + name);
        }
        return c.get();
    }

    int port() {
        return port;
    }

    String hostPort() {
        return "127.0.0.1:" + port;
    }

    long realQueries() {
        return real.get();
    }

    long probes() {
        return probes.get();
    }

    /** Receive time of the first client query after {@link #revive()}, or 0. */
    long firstRealAfterRevive() {
        return firstRealAfterRevive;
    }

    /** Client queries received in [from, to) (nanoTime). */
    long realQueriesBetween(long from, long to) {
        long n = Math.min(real.get(), realTimes.length);
        long c = 0;
        for (int i = 0; i < n; i++) {
            if (realTimes[i] >= from && realTimes[i] < to) {
                c++;
            }
        }
        return c;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
