package io.nodedns.bench;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * DNS load generator for loopback benchmarks (docs/benchmarks.md, bench/README.md).
 *
 * <p>Closed loop keeps K queries in flight and measures the maximum rate; open loop sends at a fixed
 * rate on a schedule and measures each reply from the query's intended send time, so a stalled
 * server is charged for the queries it delayed (no coordinated omission). Queries are preencoded
 * and sent from many connected UDP sockets; the send and receive paths allocate nothing per query.
 *
 * <p>Phases: the hit set once (closed loop), then an unrecorded warm-up of the same load (against
 * {@code --warmup-server} if given), then, with {@code --await}, polling until the server answers,
 * then the measured run. Exit status 0 when anything was answered, 1 when nothing was, 2 on bad flags.
 */
public final class LoadGenerator {
    private static final long WARM_CAP_NS = 60_000_000_000L;
    private static final long SETTLE_MILLIS = 300;
    /** Extra one-second warm-up rounds while our own JIT still works (the client has one CPU). */
    private static final int MAX_QUIET_ROUNDS = 10;
    private static final long QUIET_ROUND_NS = 1_000_000_000L;
    /** A round with less compile time than this counts as quiet. */
    private static final long QUIET_JIT_MILLIS = 20;

    private LoadGenerator() {}

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && !e.getMessage().isEmpty()) {
                System.err.println("loadgen: " + e.getMessage());
            }
            System.err.print(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        Report r = run(options, System.err);
        System.out.println(r.format());
        System.exit(r.answered() > 0 ? 0 : 1);
    }

    /** Runs the phases; progress goes to {@code log}. Exposed for tests. */
    public static Report run(String[] args, PrintStream log) throws IOException, InterruptedException {
        return run(LoadOptions.parse(args), log);
    }

    static Report run(LoadOptions o, PrintStream log) throws IOException, InterruptedException {
        long seed = System.nanoTime() ^ (ProcessHandle.current().pid() << 32);
        Engine[] engines = null;
        Engine[] warm = null;
        try {
            engines = engines(o, o.server(), seed);
            if (o.warmNames() && o.workload() != QuerySet.Workload.MISS) {
                Report w = new Report(o);
                runPhase(new Engine[]{engines[0]}, start -> new Engine.Phase[]{new Engine.Phase(false, 0,
                        Math.min(100, o.names()), start, start + WARM_CAP_NS, o.timeoutNs(), o.names(), true, 0, 1)},
                        w, null);
                log.printf("loadgen: warmed %d hit names: %d answered, %d timeouts%n", o.names(), w.answered,
                        w.timeouts);
            }
            if (o.warmupNs() > 0) {
                // Another target (--warmup-server) gets engines of its own, with other miss names.
                warm = o.warmupServer() == null ? engines : engines(o, o.warmupServer(), ~seed);
                // The warm-up logs intervals too (into nothing), so the measured run loads and compiles
                // no new code: class loading and JIT work at its start, on the client's one CPU, once
                // delayed the first second's sends by up to 60 ms and set every server's p99.
                HistogramLogWriter discard = new HistogramLogWriter(new PrintStream(OutputStream.nullOutputStream()));
                Report w = runPhase(warm, start -> phases(o, start, o.warmupNs()), new Report(o), discard);
                log.printf("loadgen: warm-up %.1f s%s: %.0f qps, %d timeouts%n", o.warmupNs() / 1e9,
                        warm == engines ? "" : " against " + o.warmupServer(), w.qps(), w.timeouts);
                if (o.warmupNs() >= QUIET_ROUND_NS) { // short warm-ups (tests) stay short
                    warmUntilJitQuiet(warm, o, discard, log);
                }
                Thread.sleep(SETTLE_MILLIS); // let the compiler queue drain before the schedule starts
            }
            Report r = new Report(o);
            if (o.awaitNs() > 0) {
                log.printf("loadgen: awaiting the first answer from %s%n", o.server());
                log.flush();
                r.awaitNanos = FirstAnswer.await(o.server(), o.zone(), o.awaitNs());
                log.printf("loadgen: first answer after %.1f ms of polling%n", r.awaitNanos / 1e6);
            }
            measure(engines, o, r, log);
            return r;
        } finally {
            close(engines);
            if (warm != engines) {
                close(warm);
            }
        }
    }

    private static Engine[] engines(LoadOptions o, InetSocketAddress target, long seed) throws IOException {
        Engine[] engines = new Engine[o.threads()];
        try {
            for (int i = 0; i < engines.length; i++) {
                int sockets = o.sockets() / engines.length + (i < o.sockets() % engines.length ? 1 : 0);
                QuerySet q = new QuerySet(o.workload(), o.zone(), o.names(), o.missPercent(), o.edns(), seed,
                        engines.length, i);
                engines[i] = new Engine(target, sockets, q);
            }
            return engines;
        } catch (IOException | RuntimeException e) {
            close(engines);
            throw e;
        }
    }

    private static void close(Engine[] engines) {
        if (engines != null) {
            for (Engine e : engines) {
                if (e != null) {
                    e.close();
                }
            }
        }
    }

    /** The measured run, with the server's and our CPU time around it. */
    private static void measure(Engine[] engines, LoadOptions o, Report r, PrintStream log)
            throws IOException, InterruptedException {
        HistogramLogWriter hlog = null;
        if (o.hlog() != null) {
            try {
                hlog = new HistogramLogWriter(o.hlog().toFile());
            } catch (FileNotFoundException e) {
                throw new IOException("cannot write --hlog " + o.hlog() + ": " + e.getMessage(), e);
            }
        }
        long self = ProcessHandle.current().pid();
        long server0 = o.serverPid() > 0 ? ProcStat.cpuMicros(o.serverPid()) : -1;
        long client0 = ProcStat.cpuMicros(self);
        try {
            runPhase(engines, start -> phases(o, start, o.durationNs()), r, hlog);
        } finally {
            if (hlog != null) {
                hlog.close();
            }
        }
        long server1 = o.serverPid() > 0 ? ProcStat.cpuMicros(o.serverPid()) : -1;
        long client1 = ProcStat.cpuMicros(self);
        if (server0 >= 0 && server1 >= 0) {
            r.serverCpuMicros = server1 - server0;
        } else if (o.serverPid() > 0) {
            log.println("loadgen: cannot read /proc/" + o.serverPid() + "/stat; no server CPU figure");
        }
        if (client0 >= 0 && client1 >= 0) {
            r.clientCpuMicros = client1 - client0;
        }
        if (o.percentiles() != null) {
            try (PrintStream ps = new PrintStream(Files.newOutputStream(o.percentiles()))) {
                r.latency.outputPercentileDistribution(ps, 5, 1000.0); // values in microseconds
            }
        }
    }

    /**
     * Keeps warming in one-second rounds until a round compiles (almost) nothing: a fixed warm-up
     * once ended while C2 still took 25-45 % of the client's CPU, which showed as a latency tail in
     * the first second of whichever server was measured.
     */
    private static void warmUntilJitQuiet(Engine[] engines, LoadOptions o, HistogramLogWriter discard, PrintStream log)
            throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long spent = 0;
        for (int round = 1; round <= MAX_QUIET_ROUNDS; round++) {
            long before = jit.getTotalCompilationTime();
            runPhase(engines, start -> phases(o, start, QUIET_ROUND_NS), new Report(o), discard);
            spent = jit.getTotalCompilationTime() - before;
            if (spent < QUIET_JIT_MILLIS) {
                log.printf("loadgen: JIT quiet after %d extra warm-up round(s) (%d ms compiling in the last)%n",
                        round, spent);
                return;
            }
        }
        log.printf("loadgen: JIT still busy after %d extra warm-up rounds (%d ms compiling in the last)%n",
                MAX_QUIET_ROUNDS, spent);
    }

    /** One phase per engine: the rate and the in-flight count are split between them. */
    private static Engine.Phase[] phases(LoadOptions o, long start, long durationNs) {
        int n = o.threads();
        Engine.Phase[] p = new Engine.Phase[n];
        for (int i = 0; i < n; i++) {
            int k = o.outstanding() / n + (i < o.outstanding() % n ? 1 : 0);
            p[i] = new Engine.Phase(o.open(), o.rate(), Math.max(1, k), start, start + durationNs, o.timeoutNs(),
                    0, false, i, n);
        }
        return p;
    }

    /**
     * Runs one phase on the engines, sampling their latency recorders once per interval (--interval,
     * default a second) into the log.
     * The schedule starts ({@code phasesAt} gets the common start) only after the log's header is
     * written, so no setup work makes the first queries late.
     */
    private static Report runPhase(Engine[] engines, LongFunction<Engine.Phase[]> phasesAt, Report r,
            HistogramLogWriter hlog) throws InterruptedException {
        for (Engine e : engines) {
            e.interval(); // drop whatever an earlier phase left behind
        }
        long startMs = System.currentTimeMillis() + 1;
        if (hlog != null) {
            hlog.outputComment("nodedns LoadGenerator " + r.options.label() + ", latency in nanoseconds");
            hlog.outputLogFormatVersion();
            hlog.outputStartTime(startMs);
            hlog.setBaseTime(startMs);
            hlog.outputLegend();
        }
        long startNs = System.nanoTime() + 1_000_000; // a common start just ahead of every thread
        Engine.Phase[] phases = phasesAt.apply(startNs);
        for (int i = 0; i < engines.length; i++) {
            engines[i].start(phases[i]);
        }
        Histogram interval = new Histogram(Engine.MAX_LATENCY_NS, 3);
        long intervalNs = r.options.intervalNs();
        long tickNs = startNs + intervalNs;
        long lastTickMs = startMs;
        boolean done = false;
        while (!done) {
            done = true;
            for (Engine e : engines) {
                done &= e.await(0);
            }
            long now = System.nanoTime();
            if (done || now >= tickNs) {
                long nowMs = startMs + (now - startNs) / 1_000_000;
                interval.reset();
                for (Engine e : engines) {
                    interval.add(e.interval());
                }
                r.latency.add(interval);
                if (hlog != null && interval.getTotalCount() > 0) {
                    interval.setStartTimeStamp(lastTickMs);
                    interval.setEndTimeStamp(nowMs);
                    hlog.outputIntervalHistogram(interval);
                }
                lastTickMs = nowMs;
                tickNs += intervalNs;
            }
            if (!done) {
                Thread.sleep(Math.clamp((tickNs - now) / 1_000_000, 1, 20));
            }
        }
        long end = phases[0].deadlineNs();
        for (Engine e : engines) {
            r.add(e);
            end = Math.max(end, e.lastAnswerNs);
        }
        if (phases[0].maxQueries() > 0) {
            end = engines[0].lastAnswerNs; // a count-limited phase ends when its last reply came
        }
        r.elapsedSeconds = Math.max(1, end - startNs) / 1e9;
        return r;
    }
}
