package io.nodedns.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nodedns.plugin.forward.KeystreamWarmUp;
import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.UdpLoop;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * The one harness of the allocation tests: bytes a thread (a UDP loop, or the test's own thread
 * calling a handler as a loop would) allocates per query, read with ThreadMXBean over windows.
 *
 * <p>Warm-up runs windows until one is clean for every kind of query (at most {@link #WARM_WINDOWS}:
 * until the JIT has compiled the path, interpreted code and FFM downcalls allocate, which a loaded
 * machine stretches past any fixed warm-up). Then every one of {@link #WINDOWS} further windows must
 * stay under {@link #BOUND}: an allocation that happens now and then fails the test instead of
 * hiding behind a clean window. Before the windows, the loop classes' string constants are resolved
 * as C2's compile requests would have resolved them on the loop thread ({@link StringConstants}); to
 * see what a window allocated and when, run with {@code -Dnodedns.alloc.jfr=FILE}
 * ({@link WindowRecording}).
 *
 * <p>{@link #main} runs issue 3's cache+forward measurement in a child JVM with the image's flags
 * ({@link ImageJvm#run}), since what the JIT removes depends on the compilers the JVM runs with.
 */
public final class LoopAllocations {
    /** Bytes per query a window may show: under one byte per 100 queries. */
    public static final double BOUND = 0.01;
    static final int WARM_WINDOWS = 5;
    static final int WINDOWS = 3;
    private static final com.sun.management.ThreadMXBean MX = (com.sun.management.ThreadMXBean) ManagementFactory
            .getThreadMXBean();

    private LoopAllocations() {}

    /** One window's worth of one kind of query; returns the replies lost. */
    public interface Work {
        int run() throws Exception;
    }

    /** A kind of query measured in every window: its name, queries per window, and the work. */
    public record Kind(String name, long queries, Work work) {
    }

    /** Per-window figures, bytes per query for each kind; the first {@code warm} windows are warm-up. */
    public record Result(List<Kind> kinds, List<double[]> windows, int warm, int lost) {
        /** The most any measured window allocated per query of kind {@code k}. */
        public double worst(int k) {
            double worst = 0;
            for (double[] w : windows.subList(warm, windows.size())) {
                worst = Math.max(worst, w[k]);
            }
            return worst;
        }

        /** Queries measured after warm-up, all kinds. */
        public long measured() {
            long perWindow = 0;
            for (Kind k : kinds) {
                perWindow += k.queries();
            }
            return perWindow * (windows.size() - warm);
        }

        /** The same figures with the replies lost in warm-up added. */
        public Result plusLost(int warmUpLost) {
            return new Result(kinds, windows, warm, lost + warmUpLost);
        }

        /** Every query answered and every window after warm-up under {@link #BOUND}. */
        public void assertNothingAllocated() {
            assertEquals(0, lost, "every query answered: " + this);
            assertTrue(windows.size() - warm == WINDOWS, "measured windows: " + this);
            for (int k = 0; k < kinds.size(); k++) {
                assertTrue(worst(k) < BOUND, kinds.get(k).name() + " allocate: " + this);
            }
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("RESULT");
            for (int k = 0; k < kinds.size(); k++) {
                s.append(String.format(" worst %s=%.4f", kinds.get(k).name(), worst(k)));
            }
            s.append(" lost=").append(lost).append(" B/query per window:");
            for (int w = 0; w < windows.size(); w++) {
                s.append(w == warm ? " | [" : " [");
                for (int k = 0; k < kinds.size(); k++) {
                    s.append(k == 0 ? "" : ", ").append(String.format("%.4f", windows.get(w)[k]));
                }
                s.append(']');
            }
            return s.append(" (warm-up before |)").toString();
        }
    }

    /** Windows on {@code thread} of each kind in turn, as the class comment says. */
    public static Result measure(long thread, Kind... kinds) throws Exception {
        return measure(BOUND, thread, kinds);
    }

    /**
     * As {@link #measure(long, Kind...)} for work that allocates by design, at most {@code bound}
     * bytes per query: warm-up ends at the first window under that bound (work that allocates never
     * gets under {@link #BOUND}, and would sit out every warm-up window). The caller asserts the
     * bound on {@link Result#worst}.
     */
    public static Result measure(double bound, long thread, Kind... kinds) throws Exception {
        assumeTrue(MX.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        MX.setThreadAllocatedMemoryEnabled(true);
        StringConstants.resolveForC2(); // what C2's compile requests would resolve on the loop thread later
        List<double[]> windows = new ArrayList<>();
        int lost = 0;
        int warm = 0;
        boolean clean = false;
        WindowRecording recording = WindowRecording.startIfAsked(thread);
        try {
            while (windows.size() - warm < WINDOWS) {
                double[] w = new double[kinds.length];
                int[] lostNow = {0};
                for (int k = 0; k < kinds.length; k++) {
                    Instant start = recording == null ? null : Instant.now();
                    w[k] = window(thread, kinds[k], lostNow);
                    WindowRecording.window(recording, windows.size(), kinds[k].name(), start, w[k]);
                }
                lost += lostNow[0];
                windows.add(w);
                if (!clean) {
                    clean = true;
                    for (double perQuery : w) {
                        clean &= perQuery < bound;
                    }
                    if (!clean && warm < WARM_WINDOWS) {
                        warm++; // still warming: this window does not count
                    }
                    clean |= warm == WARM_WINDOWS; // never clean: the measured windows will say so
                }
            }
        } finally {
            if (recording != null) {
                recording.close();
            }
        }
        return new Result(List.of(kinds), windows, warm, lost);
    }

    /** One window of {@code kind} on {@code thread}: bytes per query; replies lost are added to {@code lost[0]}. */
    public static double window(long thread, Kind kind, int[] lost) throws Exception {
        long before = MX.getThreadAllocatedBytes(thread);
        lost[0] += kind.work().run();
        return (MX.getThreadAllocatedBytes(thread) - before) / (double) kind.queries();
    }

    /** The first UDP loop's thread, after checking that it uses recvmmsg/sendmmsg. */
    public static long nativeLoopThread(TestServer server, int port) {
        UdpLoop loop = server.firstLoop();
        assertTrue(loop.nativeIo(), "the recvmmsg/sendmmsg path is in use on Linux");
        return loopThread(port);
    }

    /** The thread of a UDP loop listening on {@code port} (named nodedns-udp-LABEL-N). */
    public static long loopThread(int port) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("nodedns-udp-") && t.getName().contains(":" + port + "-")) {
                return t.threadId();
            }
        }
        throw new IllegalStateException("no UDP loop thread for port " + port);
    }

    // ---- direct handler calls, on this thread ----

    private static final int CALLS = 100_000;
    /**
     * Calls per window where kilobytes per call are bounded: their average shows in fewer calls
     * ({@link #CALLS} are for seeing less than a byte per 100 calls).
     */
    private static final int BOUNDED_CALLS = 20_000;

    /** One exchange (4096-byte slots) per query, its question parsed as the loop does before the chain. */
    public static Exchange[] exchanges(List<Message> queries) {
        Exchange[] exchanges = new Exchange[queries.size()];
        for (int i = 0; i < exchanges.length; i++) {
            byte[] wire = queries.get(i).toWire();
            exchanges[i] = new Exchange(4096);
            exchanges[i].request().putBytes(0, wire);
            exchanges[i].requestLength(wire.length);
            assertEquals(0, exchanges[i].query().wrap(exchanges[i].request(), 0, wire.length));
        }
        return exchanges;
    }

    /** One exchange for an A query of {@code name} that collects metadata, as under the metadata plugin's zones. */
    public static Exchange metadataExchange(String name) {
        Exchange ex = exchanges(List.of(DnsClient.query(name, Type.A)))[0];
        ex.collectMetadata();
        return ex;
    }

    /**
     * {@code handler.serve} round-robin over {@code exchanges} on this thread, in windows of 100,000
     * calls after as many to warm the JIT.
     */
    public static Result serve(Handler handler, Exchange[] exchanges) throws Exception {
        return calls(BOUND, "serve", CALLS, CALLS, i -> handler.serve(exchanges[i % exchanges.length]));
    }

    /**
     * As {@link #serve(Handler, Exchange[])} for queries that allocate by design, at most {@code bound}
     * bytes each, in windows of {@link #BOUNDED_CALLS} after as many calls as there.
     */
    public static Result serve(double bound, Handler handler, Exchange[] exchanges) throws Exception {
        return calls(bound, "serve", CALLS, BOUNDED_CALLS, i -> handler.serve(exchanges[i % exchanges.length]));
    }

    /** One call of the code under test, numbered. */
    public interface Call {
        void run(int i) throws Exception;
    }

    /** {@code n} calls per window on this thread, after {@code n} to warm the JIT. */
    public static Result calls(String name, int n, Call call) throws Exception {
        return calls(BOUND, name, n, n, call);
    }

    /** {@code n} calls per window after {@code warm} to warm the JIT; warm-up windows until one is under {@code bound}. */
    private static Result calls(double bound, String name, int warm, int n, Call call) throws Exception {
        for (int i = 0; i < warm; i++) {
            call.run(i);
        }
        Work window = () -> {
            for (int i = 0; i < n; i++) {
                call.run(i);
            }
            return 0;
        };
        return measure(bound, Thread.currentThread().threadId(), new Kind(name, n, window));
    }

    // ---- a real server's UDP loop ----

    /** What client {@code client} sends in round {@code round}. */
    public interface QueryFor {
        byte[] query(int client, int round);
    }

    /** Client sockets, each its own source port, on loopback. */
    public static final class Clients implements AutoCloseable {
        /**
         * Queries in flight at most: one receive batch (NativeListenIo.BATCH), which the loop's
         * exchange pool always holds with its reserve for hits beside it (ExchangePool FLOOR minus
         * RESERVE). With bursts of 100 the loop's peak depended on how the loaded machine scheduled
         * it, the pool grew past its floor, its 60-second trim gave back what the last minute had not
         * used, and the next higher peak made new exchanges in a measured window (0.006 to 0.011
         * B/query on misses at load 16, with the deoptimised ExchangePool.acquire in the log):
         * memory following load, as designed, but not the steady state this measures.
         */
        static final int BURST = 32;

        private final DatagramSocket[] sockets;
        private final InetAddress to;
        private final int port;
        private final DatagramPacket in = new DatagramPacket(new byte[4096], 4096);

        public Clients(int count, int port) throws Exception {
            this.port = port;
            this.to = InetAddress.getByName("127.0.0.1");
            sockets = new DatagramSocket[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new DatagramSocket();
                sockets[i].setSoTimeout(3000);
            }
        }

        public int count() {
            return sockets.length;
        }

        /**
         * {@code rounds} rounds: every client sends one query (in bursts of {@link #BURST}), then all
         * replies are read.
         */
        public int rounds(int rounds, QueryFor queries) throws Exception {
            int lost = 0;
            for (int r = 0; r < rounds; r++) {
                for (int start = 0; start < sockets.length; start += BURST) {
                    int end = Math.min(sockets.length, start + BURST);
                    for (int i = start; i < end; i++) {
                        byte[] q = queries.query(i, r);
                        sockets[i].send(new DatagramPacket(q, q.length, to, port));
                    }
                    for (int i = start; i < end; i++) {
                        try {
                            sockets[i].receive(in);
                        } catch (SocketTimeoutException e) {
                            lost++;
                        }
                    }
                }
            }
            return lost;
        }

        /** A kind whose window is {@code rounds} rounds of {@code queries}. */
        public Kind kind(String name, int rounds, QueryFor queries) {
            return new Kind(name, (long) rounds * sockets.length, () -> rounds(rounds, queries));
        }

        @Override
        public void close() {
            for (DatagramSocket s : sockets) {
                s.close();
            }
        }
    }

    /**
     * Issue 3's measurement: a real server with {@code cache} and {@code forward} (one UDP loop) to
     * a loopback {@link FakeUpstream}, cache hits from {@code clients} source ports and unique
     * forwarded misses (cache stores included).
     *
     * @param warmRounds rounds of hits and of misses before measuring
     * @param hitRounds rounds of hits per window (each round: one query per client)
     * @param missRounds rounds of misses per window
     */
    public static Result cacheForward(int clients, int warmRounds, int hitRounds, int missRounds) throws Exception {
        int port = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start();
                TestServer server = TestServer.fromText("""
                        .:%d {
                            multisocket 1
                            cache
                            forward . %s
                        }
                        """.formatted(port, upstream.hostPort()));
                Clients c = new Clients(clients, port)) {
            long loopThread = nativeLoopThread(server, port);
            byte[][] hitQueries = new byte[clients][];
            for (int i = 0; i < clients; i++) {
                hitQueries[i] = DnsClient.query("h" + i + ".bench.test", Type.A).toWire();
            }
            long[] missCounter = {0};
            QueryFor hits = (i, r) -> hitQueries[i];
            QueryFor misses = (i, r) -> DnsClient.query("m" + (missCounter[0]++) + ".miss.bench.test", Type.A).toWire();
            // fill the hit set, then run both kinds (more misses than the cache holds, so its chunks
            // have all been opened) before the windows. The upstream must keep up: when its log copied
            // itself on every query (a copy-on-write list), it fell seconds behind these misses,
            // forward's 2 s read timeout fired in measured windows and its cold timeout path
            // allocated (0.28 B/query); FakeUpstream's log now costs the same for every query.
            int lost = c.rounds(1, hits);
            for (int r = 0; r < warmRounds; r++) {
                lost += c.rounds(1, hits) + c.rounds(1, misses);
            }
            KeystreamWarmUp.toC2(); // forward's rare refill: see there
            return measure(loopThread, c.kind("hits", hitRounds, hits),
                    c.kind("misses", missRounds, misses)).plusLost(lost);
        }
    }

    /** {@code CLIENTS WARM_ROUNDS HIT_ROUNDS MISS_ROUNDS}: prints one {@link Result} line, for {@link ImageJvm#run}. */
    public static void main(String[] args) throws Exception {
        Result r = cacheForward(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]));
        System.out.println(r);
        System.exit(0); // the server's threads are daemons, but an upstream or pool thread must not keep us
    }
}
