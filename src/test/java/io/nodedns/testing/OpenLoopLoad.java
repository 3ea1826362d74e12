package io.nodedns.testing;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop UDP load for acceptance tests: one sender paces query i to {@code t0 + i/rate}
 * (sending late ones at once, never skipping, so a stalled server cannot slow the load down); one
 * receiver per client socket records the first reply to each query. Query i goes out on socket
 * {@code i % sockets} with ID {@code i / sockets}, so (socket, ID) names the query. Every name is
 * unique, so each query is a cache miss. Bounded by {@code maxQueries}; loopback only.
 */
public final class OpenLoopLoad {
    /** Time for a receiver to record a reply that arrived just inside the timeout. */
    private static final long MARGIN = 50_000_000L;
    private final long period;
    private final int maxQueries;
    private final long clientTimeoutNanos;
    private final String suffix;
    private java.util.function.IntFunction<String> names;
    private final DatagramChannel[] channels;
    private final List<Thread> receivers = new ArrayList<>();
    private final String run = Long.toString(System.nanoTime() % 100000);
    public final long[] sentAt;
    public final long[] repliedAt;
    public final byte[] rcode;
    public volatile long endAt = Long.MAX_VALUE;
    public volatile int sent;
    public volatile long lastSend;
    public volatile long maxLag;
    private volatile Throwable error;
    private Thread sender;

    /** {@code rate} queries per second to 127.0.0.1:port over {@code sockets} sockets, names under {@code suffix}. */
    public OpenLoopLoad(int port, int rate, int maxQueries, int sockets, long clientTimeoutNanos, String suffix)
            throws Exception {
        this.period = 1_000_000_000L / rate;
        this.maxQueries = maxQueries;
        this.clientTimeoutNanos = clientTimeoutNanos;
        this.suffix = suffix;
        this.sentAt = new long[maxQueries];
        this.repliedAt = new long[maxQueries];
        this.rcode = new byte[maxQueries];
        this.channels = new DatagramChannel[sockets];
        for (int s = 0; s < sockets; s++) {
            channels[s] = DatagramChannel.open();
            channels[s].setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
            channels[s].connect(new InetSocketAddress("127.0.0.1", port));
        }
    }

    /** Asks these names (query i asks names.apply(i)) instead of unique ones under the suffix. */
    public OpenLoopLoad names(java.util.function.IntFunction<String> names) {
        this.names = names;
        return this;
    }

    /** A few closed-loop queries so the forwarder's sockets exist and the paths are compiled. */
    public void warmUp(int queries) throws Exception {
        ByteBuffer out = ByteBuffer.allocate(512);
        byte[] in = new byte[512];
        for (int i = 0; i < queries; i++) {
            DatagramSocket s = channels[i % channels.length].socket(); // the adaptor honours SO_TIMEOUT
            s.setSoTimeout(2000);
            out.clear();
            writeQuery(out, 0xFFFF, "w" + i + ".r" + run + "." + suffix);
            s.send(new DatagramPacket(out.array(), out.position()));
            s.receive(new DatagramPacket(in, in.length));
        }
    }

    public void start(long t0) {
        for (int s = 0; s < channels.length; s++) {
            int sock = s;
            receivers.add(Thread.ofPlatform().daemon().name("load-rx-" + s).start(() -> receive(sock)));
        }
        sender = Thread.ofPlatform().daemon().name("load-tx").start(() -> send(t0));
    }

    private void send(long t0) {
        ByteBuffer out = ByteBuffer.allocate(512);
        try {
            for (int i = 0; i < maxQueries; i++) {
                long due = t0 + i * period;
                if (due >= endAt) {
                    break;
                }
                long now;
                while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                }
                maxLag = Math.max(maxLag, now - due);
                out.clear();
                writeQuery(out, i / channels.length,
                        names != null ? names.apply(i) : "q" + i + ".r" + run + "." + suffix);
                sentAt[i] = now;
                channels[i % channels.length].write(out.flip());
                lastSend = now;
                sent = i + 1;
            }
        } catch (Exception e) {
            error = e;
        }
    }

    private void receive(int sock) {
        ByteBuffer in = ByteBuffer.allocate(4096);
        try {
            while (true) {
                in.clear();
                int n = channels[sock].read(in);
                long now = System.nanoTime();
                if (n < 12) {
                    continue;
                }
                int i = (in.getShort(0) & 0xFFFF) * channels.length + sock;
                if (i < maxQueries && repliedAt[i] == 0) {
                    repliedAt[i] = now;
                    rcode[i] = (byte) (in.get(3) & 0x0F);
                }
            }
        } catch (Exception closed) {
            // channel closed: the run is over
        }
    }

    /**
     * Waits for the sender to stop and for every query to be settled, then stops receiving. A query
     * is settled once answered (only the first reply counts) or once its client timeout has passed
     * (a later reply would count as failed anyway), so returning then gives the same results as
     * waiting the full timeout after the last send, without waiting it when everything is answered.
     */
    public void finish() throws Exception {
        sender.join();
        int pending = 0;
        while (pending < sent) {
            if (repliedAt[pending] != 0 || System.nanoTime() - sentAt[pending] > clientTimeoutNanos + MARGIN) {
                pending++;
            } else {
                Thread.sleep(10); // a stale read only waits longer; the joins below publish every reply
            }
        }
        for (DatagramChannel ch : channels) {
            ch.close();
        }
        for (Thread t : receivers) {
            t.join();
        }
        if (error != null) {
            throw new AssertionError("load sender failed", error);
        }
    }

    /** Query i failed: no reply within the client timeout, or an rcode other than NOERROR. */
    public boolean failed(int i) {
        long rep = repliedAt[i];
        return rep == 0 || rep - sentAt[i] > clientTimeoutNanos || rcode[i] != 0;
    }

    /** How many queries sent in [fromNanos, toNanos) failed. */
    public int failedSentBetween(long fromNanos, long toNanos) {
        int n = 0;
        for (int i = 0; i < sent; i++) {
            if (sentAt[i] >= fromNanos && sentAt[i] < toNanos && failed(i)) {
                n++;
            }
        }
        return n;
    }

    /** Reply latencies (nanos) of the answered queries, sorted. */
    public long[] sortedLatencies() {
        long[] lat = new long[sent];
        int n = 0;
        for (int i = 0; i < sent; i++) {
            if (repliedAt[i] != 0) {
                lat[n++] = repliedAt[i] - sentAt[i];
            }
        }
        long[] out = java.util.Arrays.copyOf(lat, n);
        java.util.Arrays.sort(out);
        return out;
    }

    /** Writes an RD=1 query "name IN A" with the given ID at the buffer's position. */
    public static void writeQuery(ByteBuffer out, int id, String name) {
        out.putShort((short) id).putShort((short) 0x0100).putShort((short) 1)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            out.put((byte) b.length).put(b);
        }
        out.put((byte) 0).putShort((short) 1).putShort((short) 1);
    }
}
