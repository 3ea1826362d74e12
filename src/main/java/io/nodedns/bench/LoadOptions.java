package io.nodedns.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;

/** Command line of {@link LoadGenerator}; see {@link #USAGE}. */
record LoadOptions(InetSocketAddress server, long durationNs, long warmupNs, double rate, int outstanding,
        QuerySet.Workload workload, int names, String zone, int missPercent, int sockets, int threads,
        long timeoutNs, boolean edns, boolean warmNames, Path hlog, Path percentiles, long serverPid,
        boolean cpu, String label, InetSocketAddress warmupServer, long awaitNs, long intervalNs) {

    static final String USAGE = """
            usage: LoadGenerator --server 127.0.0.1:PORT [options]
              --server ADDR:PORT   target; loopback only (127.0.0.0/8 or [::1])
              --duration 10s       measured time (ms, s, m; a bare number is seconds)
              --warmup 2s          unrecorded run of the same load first (JIT, caches); 0 to skip;
                                   from 1s up, then 1 s rounds (at most 10) until our JIT is quiet
              --warmup-server ADDR:PORT  send the warm-up there instead of --server (loopback only):
                                   a warm generator in front of a server that has seen nothing
              --await MAX          after the warm-up, one query a millisecond to --server until one
                                   gets a NOERROR reply (at most MAX), then the measured run at once:
                                   the first seconds of a server that is just starting
              --rate R             open loop at R queries/s, latency from the intended send time
              --outstanding K      closed loop with K queries in flight (default 100 when no --rate)
              --workload hit|miss|mix   hit: hN.ZONE names; miss: unique <hex>.miss.ZONE; mix: 95/5
              --names N            hit set size (default 1000), warmed once each before the run
              --no-warm            do not send the hit set once before the run
              --zone Z             zone suffix (default bench.test)
              --miss-percent P     share of misses in mix (default 5)
              --sockets N          UDP source sockets (default 1000), spread over the threads
              --threads T          generator lanes, each a receive (+ send) thread (default 1)
              --timeout 1s         a query unanswered this long counts as a timeout
              --edns               add an OPT record (1232 bytes) to every query
              --hlog FILE          HdrHistogram interval log (values in ns)
              --interval 1s        length of the log's intervals (from 10ms: where in time the
                                   slow replies of a start-up fall)
              --percentiles FILE   percentile distribution of the whole run (values in us)
              --server-pid PID     report server CPU us per answered query from /proc/PID/stat
              --cpu                report CPU us per query (client always; server with --server-pid)
              --label NAME         name put in the RESULT line (e.g. the server under test)
            """;

    static LoadOptions parse(String... args) {
        InetSocketAddress server = null;
        long duration = 10_000_000_000L;
        long warmup = 2_000_000_000L;
        double rate = 0;
        int outstanding = 0;
        QuerySet.Workload workload = QuerySet.Workload.HIT;
        int names = 1000;
        String zone = "bench.test";
        int missPercent = 5;
        int sockets = 1000;
        int threads = 1;
        long timeout = 1_000_000_000L;
        boolean edns = false;
        boolean warmNames = true;
        Path hlog = null;
        Path percentiles = null;
        long serverPid = 0;
        boolean cpu = false;
        String label = "-";
        InetSocketAddress warmupServer = null;
        long await = 0;
        long interval = 1_000_000_000L;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--edns" -> edns = true;
                case "--no-warm" -> warmNames = false;
                case "--cpu" -> cpu = true;
                case "-h", "--help" -> throw new IllegalArgumentException("");
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("unknown flag or missing value: " + a);
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--server" -> server = loopback(v);
                        case "--duration" -> duration = duration(v);
                        case "--warmup" -> warmup = duration(v);
                        case "--rate" -> rate = positive(a, Double.parseDouble(v));
                        case "--outstanding" -> outstanding = (int) positive(a, Integer.parseInt(v));
                        case "--workload" -> workload = QuerySet.Workload.valueOf(v.toUpperCase(Locale.ROOT));
                        case "--names" -> names = (int) positive(a, Integer.parseInt(v));
                        case "--zone" -> zone = v;
                        case "--miss-percent" -> missPercent = Integer.parseInt(v);
                        case "--sockets" -> sockets = (int) positive(a, Integer.parseInt(v));
                        case "--threads" -> threads = (int) positive(a, Integer.parseInt(v));
                        case "--timeout" -> timeout = duration(v);
                        case "--hlog" -> hlog = Path.of(v);
                        case "--percentiles" -> percentiles = Path.of(v);
                        case "--server-pid" -> serverPid = Long.parseLong(v);
                        case "--label" -> label = v;
                        case "--warmup-server" -> warmupServer = loopback(v);
                        case "--await" -> await = duration(v);
                        case "--interval" -> interval = duration(v);
                        default -> throw new IllegalArgumentException("unknown flag: " + a);
                    }
                }
            }
        }
        if (server == null) {
            throw new IllegalArgumentException("--server is required");
        }
        if (rate > 0 && outstanding > 0) {
            throw new IllegalArgumentException("--rate (open loop) and --outstanding (closed loop) exclude each other");
        }
        if (rate == 0 && outstanding == 0) {
            outstanding = 100;
        }
        if (outstanding > Engine.SLOTS / 2) {
            throw new IllegalArgumentException("--outstanding at most " + Engine.SLOTS / 2);
        }
        if (missPercent < 0 || missPercent > 100) {
            throw new IllegalArgumentException("--miss-percent must be 0..100");
        }
        if (sockets < threads) {
            throw new IllegalArgumentException("--sockets must be at least --threads");
        }
        if (warmupServer != null && warmup == 0) {
            throw new IllegalArgumentException("--warmup-server needs a warm-up (--warmup)");
        }
        if (interval < 10_000_000L) {
            throw new IllegalArgumentException("--interval must be at least 10ms");
        }
        if (duration <= 0 || timeout <= 0) {
            throw new IllegalArgumentException("--duration and --timeout must be positive");
        }
        return new LoadOptions(server, duration, warmup, rate, outstanding, workload, names, zone, missPercent,
                sockets, threads, timeout, edns, warmNames, hlog, percentiles, serverPid, cpu || serverPid > 0, label,
                warmupServer, await, interval);
    }

    boolean open() {
        return rate > 0;
    }

    /** ADDR:PORT or [V6]:PORT with a literal address (no name lookups), refused unless loopback. */
    static InetSocketAddress loopback(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("a target is ADDR:PORT, got " + hostPort);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress addr;
        try {
            addr = InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a target needs a literal IP address, got " + host);
        }
        if (!addr.isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing non-loopback target " + host
                    + ": the load generator only sends to 127.0.0.0/8 or ::1");
        }
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("bad port in " + hostPort);
        }
        return new InetSocketAddress(addr, port);
    }

    /** "10s", "500ms", "2m", "1.5" (seconds) to nanoseconds. */
    static long duration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        double unit = 1e9;
        if (s.endsWith("ms")) {
            unit = 1e6;
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("us")) {
            unit = 1e3;
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            unit = 60e9;
            s = s.substring(0, s.length() - 1);
        }
        double d = Double.parseDouble(s);
        if (d < 0) {
            throw new IllegalArgumentException("negative duration " + v);
        }
        return (long) (d * unit);
    }

    private static double positive(String flag, double v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(flag + " must be positive");
        }
        return v;
    }
}
