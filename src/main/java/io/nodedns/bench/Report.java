package io.nodedns.bench;

import io.nodedns.wire.DnsHeader;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The outcome of one measured run, summed over the engines. Latencies are kept in nanoseconds. */
public final class Report {

    final LoadOptions options;
    /** Latency from the intended send time (open loop) or the send time (closed loop). */
    final Histogram latency = new Histogram(Engine.MAX_LATENCY_NS, 3);
    /** Latency from the actual send time. */
    final Histogram service = new Histogram(Engine.MAX_LATENCY_NS, 3);
    /** Actual minus intended send time: how late the generator itself was (open loop). */
    final Histogram sendLag = new Histogram(Engine.MAX_LATENCY_NS, 3);
    final long[] rcodes = new long[16];
    long sent;
    long answered;
    long timeouts;
    long unmatched;
    long ioErrors;
    double elapsedSeconds;
    String firstError;
    long serverCpuMicros = -1;
    long clientCpuMicros = -1;
    /** With --await: how long the server took to give its first NOERROR reply; -1 without. */
    long awaitNanos = -1;

    Report(LoadOptions options) {
        this.options = options;
    }

    void add(Engine e) {
        sent += e.sent();
        answered += e.answered;
        timeouts += e.timeouts + e.evictions();
        unmatched += e.unmatched;
        ioErrors += e.recvErrors + e.sendErrors();
        if (firstError == null) {
            firstError = e.firstError;
        }
        for (int i = 0; i < 16; i++) {
            rcodes[i] += e.rcodes[i];
        }
        service.add(e.service);
        sendLag.add(e.sendLag);
    }

    public long answered() {
        return answered;
    }

    public long timeouts() {
        return timeouts;
    }

    public long rcodeErrors() {
        return answered - rcodes[0];
    }

    public long ioErrors() {
        return ioErrors;
    }

    public double qps() {
        return elapsedSeconds > 0 ? answered / elapsedSeconds : 0;
    }

    /** Latency percentile in microseconds (100 = max). */
    public double percentileMicros(double p) {
        return (p >= 100 ? latency.getMaxValue() : latency.getValueAtPercentile(p)) / 1000.0;
    }

    /**
     * Percentage of timed answers slower than {@code micros}: where a percentile falls inside the
     * machine's stalls (at 20k qps this VM stalls about 1 % of queries), this share says how much
     * of the tail there is, which the percentile alone does not.
     */
    public double percentSlowerThan(long micros) {
        long n = latency.getTotalCount();
        return n == 0 ? 0 : 100.0 * (n - latency.getCountBetweenValues(0, micros * 1000)) / n;
    }

    /** Server CPU time per answered query in microseconds, or NaN when not measured. */
    public double serverCpuPerQuery() {
        return serverCpuMicros >= 0 && answered > 0 ? (double) serverCpuMicros / answered : Double.NaN;
    }

    public double clientCpuPerQuery() {
        return clientCpuMicros >= 0 && answered > 0 ? (double) clientCpuMicros / answered : Double.NaN;
    }

    private String rcodeList() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (rcodes[i] > 0) {
                sb.append(sb.isEmpty() ? "" : ",").append(DnsHeader.rcodeName(i)).append(':').append(rcodes[i]);
            }
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    private static String pcts(Histogram h) {
        return String.format(Locale.ROOT, "p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f",
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
    }

    /** Human-readable summary followed by one machine-readable {@code RESULT key=value ...} line. */
    String format() {
        LoadOptions o = options;
        StringBuilder sb = new StringBuilder();
        String load = o.open()
                ? String.format(Locale.ROOT, "open loop at %.0f qps", o.rate())
                : "closed loop, " + o.outstanding() + " outstanding";
        sb.append(String.format(Locale.ROOT, "loadgen %s: %s, workload %s, %d sockets, %d thread(s), %.2f s%n",
                o.label(), load, o.workload().name().toLowerCase(Locale.ROOT), o.sockets(), o.threads(),
                elapsedSeconds));
        sb.append(String.format(Locale.ROOT, "  sent %d  answered %d (%s)  timeouts %d  unmatched %d  io errors %d%n",
                sent, answered, rcodeList(), timeouts, unmatched, ioErrors));
        if (firstError != null) {
            sb.append("  first i/o error: ").append(firstError).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "  qps %.1f%n", qps()));
        sb.append("  latency us").append(o.open() ? " (from intended send time)" : "").append(": ")
                .append(pcts(latency)).append('\n');
        sb.append(String.format(Locale.ROOT, "  slower than 100 us: %.3f %%  than 1 ms: %.3f %%%n",
                percentSlowerThan(100), percentSlowerThan(1000)));
        if (o.open()) {
            sb.append("  service us (from actual send time): ").append(pcts(service)).append('\n');
            sb.append("  generator send lag us: ").append(pcts(sendLag)).append('\n');
        }
        if (o.cpu()) {
            sb.append(String.format(Locale.ROOT, "  cpu us/query: server %s  client %s%n",
                    fmt(serverCpuPerQuery()), fmt(clientCpuPerQuery())));
        }
        sb.append(resultLine());
        return sb.toString();
    }

    String resultLine() {
        LoadOptions o = options;
        return String.format(Locale.ROOT, "RESULT label=%s mode=%s workload=%s rate=%.0f outstanding=%d sockets=%d"
                + " duration_s=%.3f sent=%d answered=%d noerror=%d rcode_errors=%d timeouts=%d unmatched=%d"
                + " io_errors=%d qps=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f"
                + " over_100us_pct=%.3f over_1ms_pct=%.3f"
                + " service_p50_us=%.1f service_p99_us=%.1f sendlag_p99_us=%.1f"
                + " server_cpu_us_per_q=%s client_cpu_us_per_q=%s await_ms=%s rcodes=%s",
                o.label(), o.open() ? "open" : "closed", o.workload().name().toLowerCase(Locale.ROOT), o.rate(),
                o.open() ? 0 : o.outstanding(), o.sockets(), elapsedSeconds, sent, answered, rcodes[0], rcodeErrors(),
                timeouts, unmatched, ioErrors, qps(), percentileMicros(50), percentileMicros(90), percentileMicros(99),
                percentileMicros(99.9), percentileMicros(100), percentSlowerThan(100), percentSlowerThan(1000),
                service.getValueAtPercentile(50) / 1e3,
                service.getValueAtPercentile(99) / 1e3, sendLag.getValueAtPercentile(99) / 1e3,
                fmt(serverCpuPerQuery()), fmt(clientCpuPerQuery()), awaitNanos < 0 ? "-" : fmt(awaitNanos / 1e6),
                rcodeList());
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
