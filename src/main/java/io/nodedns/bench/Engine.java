package io.nodedns.bench;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One load generator lane: a set of connected UDP sockets on one selector, a receive thread and (open
 * loop) a send thread. Connected sockets let NIO read and write without socket address objects.
 *
 * <p>Query tracking: sequence number {@code s} goes out on socket {@code s mod sockets} with DNS ID
 * {@code s & 0xFFFF}, which is also its slot in the tables below, so a reply finds its query with
 * one array access. {@code pending[slot]} holds {@code s + 1} while the query is outstanding; whoever
 * clears it with a CAS (receiver on a reply, timeout scan, or a sender reusing the slot 65536
 * queries later) owns the outcome, so nothing is counted twice.
 */
final class Engine implements AutoCloseable {
    static final int SLOTS = 1 << 16;
    private static final int MASK = SLOTS - 1;
    static final long MAX_LATENCY_NS = 60_000_000_000L;

    /** What one run does; times are System.nanoTime values. */
    record Phase(boolean open, double rate, int outstanding, long startNs, long deadlineNs, long timeoutNs,
            long maxQueries, boolean forceHit, int lane, int lanes) {
    }

    private final DatagramChannel[] channels;
    private final Selector selector;
    private final QuerySet queries;
    private final AtomicLongArray pending = new AtomicLongArray(SLOTS);
    private final long[] intended = new long[SLOTS];
    private final long[] sentAt = new long[SLOTS];
    private final int[] slotSocket = new int[SLOTS];
    private final ByteBuffer recv = ByteBuffer.allocateDirect(65536);
    private final Consumer<SelectionKey> onReady = this::onReady;
    final SingleWriterRecorder latency = new SingleWriterRecorder(MAX_LATENCY_NS, 3);
    private Histogram recycled;

    // Per phase. seq is owned by the issuing thread: the sender in open loop, the receiver in closed.
    private Phase phase;
    private long seq;
    private long firstSeq;
    private volatile long published; // last issued seq + 1, for the timeout scan
    private volatile boolean sendDone;
    private volatile long issueEndNs; // when the last query went out (set before sendDone)
    private long scanCursor;
    private boolean stopIssuing;
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private Thread receiver;
    private Thread sender;
    // Receiver-owned counters.
    final long[] rcodes = new long[16];
    long answered;
    long timeouts;
    long unmatched;
    long recvErrors;
    long lastAnswerNs;
    Histogram service; // reply time minus actual send time
    Histogram sendLag; // actual minus intended send time (open loop): the generator's own lateness

    Engine(InetSocketAddress server, int sockets, QuerySet queries) throws IOException {
        this.queries = queries;
        this.channels = new DatagramChannel[sockets];
        this.selector = Selector.open();
        try {
            for (int i = 0; i < sockets; i++) {
                DatagramChannel ch = DatagramChannel.open(server.getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6
                        : StandardProtocolFamily.INET);
                channels[i] = ch;
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                ch.connect(server);
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, i);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts a phase; returns at once. Closed loop queries are primed here, before the receiver starts. */
    void start(Phase p) {
        phase = p;
        firstSeq = scanCursor = seq;
        published = seq;
        sendDone = stopIssuing = false;
        evictions.set(0);
        sendErrors.set(0);
        Arrays.fill(rcodes, 0);
        answered = timeouts = unmatched = recvErrors = 0;
        lastAnswerNs = p.startNs();
        service = new Histogram(MAX_LATENCY_NS, 3);
        sendLag = new Histogram(MAX_LATENCY_NS, 3);
        if (!p.open()) {
            long now = System.nanoTime();
            for (int i = 0; i < p.outstanding() && !limitReached(); i++) {
                issue(now, now);
            }
            issueEndNs = p.deadlineNs();
            sendDone = true;
            sender = null;
        } else {
            sender = Thread.ofPlatform().name("loadgen-send-" + p.lane()).daemon().start(this::sendLoop);
        }
        receiver = Thread.ofPlatform().name("loadgen-recv-" + p.lane()).daemon().start(this::receiveLoop);
    }

    /** Waits for the phase to end (all queries answered or timed out). */
    boolean await(long millis) throws InterruptedException {
        if (sender != null && !sender.join(Duration.ofMillis(millis))) {
            return false;
        }
        return receiver.join(Duration.ofMillis(millis));
    }

    long sent() {
        return published - firstSeq;
    }

    long evictions() {
        return evictions.get();
    }

    long sendErrors() {
        return sendErrors.get();
    }

    /** Interval histogram since the last call (the receiver keeps recording meanwhile). */
    Histogram interval() {
        recycled = latency.getIntervalHistogram(recycled);
        return recycled;
    }

    private boolean limitReached() {
        return phase.maxQueries() > 0 && seq - firstSeq >= phase.maxQueries();
    }

    private void issue(long intendedNs, long now) {
        long s = seq++;
        int slot = (int) (s & MASK);
        int sock = (int) Long.remainderUnsigned(s, channels.length);
        if (pending.getAndSet(slot, 0) != 0) {
            evictions.incrementAndGet(); // 65536 queries outstanding: the oldest counts as lost
        }
        intended[slot] = intendedNs;
        sentAt[slot] = now;
        slotSocket[slot] = sock;
        pending.setRelease(slot, s + 1);
        ByteBuffer q = queries.prepare(s, slot, phase.forceHit());
        try {
            channels[sock].write(q);
        } catch (IOException e) { // e.g. ICMP port unreachable reported on a connected socket
            sendErrors.incrementAndGet(); // the slot stays pending and times out
            noteError("send", e);
        }
        published = s + 1;
    }

    private void sendLoop() {
        TimerSlack.setMinimal(); // park wakes within microseconds instead of the default 50 us slack
        Phase p = phase;
        long i = 0;
        double perLane = 1e9 * p.lanes() / p.rate();
        double offset = 1e9 * p.lane() / p.rate();
        while (!limitReached()) {
            long t = p.startNs() + (long) (offset + i * perLane);
            if (t >= p.deadlineNs()) {
                break;
            }
            long now = System.nanoTime();
            if (t > now) {
                LockSupport.parkNanos(t - now);
                continue;
            }
            issue(t, now);
            sendLag.recordValue(Math.min(now - t, MAX_LATENCY_NS));
            i++;
        }
        issueEndNs = System.nanoTime();
        sendDone = true;
    }

    private void receiveLoop() {
        Phase p = phase;
        while (true) {
            try {
                selector.select(onReady, 1);
            } catch (IOException e) {
                recvErrors++;
                noteError("select", e);
            }
            long now = System.nanoTime();
            if (!p.open() && !stopIssuing && (now >= p.deadlineNs() || limitReached())) {
                stopIssuing(now);
            }
            scanTimeouts(now, false);
            boolean issuingOver = p.open() ? sendDone : stopIssuing;
            if (issuingOver) {
                long resolved = answered + timeouts + evictions.get();
                if (resolved >= published - firstSeq) {
                    return;
                }
                if (now - issueEndNs > p.timeoutNs()) { // the drain is over: the rest are lost
                    scanTimeouts(now, true);
                    return;
                }
            }
        }
    }

    private void stopIssuing(long now) {
        issueEndNs = now;
        stopIssuing = true;
    }

    private void scanTimeouts(long now, boolean force) {
        long end = published;
        while (scanCursor < end) {
            int slot = (int) (scanCursor & MASK);
            long p = pending.getAcquire(slot);
            if (p == scanCursor + 1) {
                if (!force && now - sentAt[slot] < phase.timeoutNs()) {
                    return;
                }
                if (pending.compareAndSet(slot, p, 0)) {
                    timeouts++;
                    if (!phase.open() && !stopIssuing) {
                        issue(now, now);
                    }
                }
            }
            scanCursor++;
        }
    }

    private void onReady(SelectionKey key) {
        int sock = (Integer) key.attachment();
        ByteBuffer b = recv;
        b.clear();
        int n;
        try {
            n = ((DatagramChannel) key.channel()).read(b);
        } catch (IOException e) {
            recvErrors++;
            noteError("receive", e);
            return;
        }
        if (n <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (n < 12 || (b.get(2) & 0x80) == 0) {
            unmatched++;
            return;
        }
        int slot = b.getShort(0) & 0xFFFF;
        long p = pending.getAcquire(slot);
        if (p == 0 || slotSocket[slot] != sock) {
            unmatched++;
            return;
        }
        long t0 = intended[slot];
        long s0 = sentAt[slot];
        if (!pending.compareAndSet(slot, p, 0)) {
            unmatched++;
            return;
        }
        answered++;
        rcodes[b.get(3) & 0xF]++;
        lastAnswerNs = now;
        latency.recordValue(Math.clamp(now - t0, 1, MAX_LATENCY_NS));
        service.recordValue(Math.clamp(now - s0, 1, MAX_LATENCY_NS));
        if (!phase.open() && !stopIssuing) {
            if (now >= phase.deadlineNs() || limitReached()) {
                stopIssuing(now);
            } else {
                issue(now, now);
            }
        }
    }

    /** The first I/O error of the engine, for the report (errors are counted, not logged one by one). */
    volatile String firstError;

    private void noteError(String where, IOException e) {
        if (firstError == null) {
            firstError = where + ": " + e;
        }
    }

    @Override
    public void close() {
        for (DatagramChannel ch : channels) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
