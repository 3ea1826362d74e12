package io.nodedns.upstream;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One upstream address (plain DNS, or DNS over TLS): its health (consecutive failed probes, at most one probe loop), its TCP
 * connection cache and its counters. Shared by every UDP loop and TCP thread of a forwarder, and
 * kept across {@link UpstreamTable} swaps while the address stays. Counters are lock-free and
 * allocation-free to bump.
 */
public final class Upstream {
    private final InetSocketAddress address;
    private final String label;
    private final TcpPool tcp;
    private final AtomicInteger fails = new AtomicInteger();
    private final AtomicBoolean probing = new AtomicBoolean();
    /** The checker whose trigger claimed {@link #probing}, for the thread that starts the probe loop. */
    HealthChecker probeBy;
    private final LongAdder failures = new LongAdder();
    private final LongAdder healthcheckFailures = new LongAdder();
    /** Reply counts per writer: [0] for threads that are not UDP loops, then one per loop (added on its first reply). */
    private volatile ReplyCounts[] replies = {new ReplyCounts(null)};

    public Upstream(InetSocketAddress address, ConnOptions options) {
        this(address, options, null);
    }

    /** @param tls DNS over TLS to this upstream (every query over its connection pool), or null */
    public Upstream(InetSocketAddress address, ConnOptions options, TlsClient tls) {
        this.address = address;
        this.label = label(address);
        this.tcp = new TcpPool(address, options, tls);
    }

    /** A DNS-over-TLS upstream: every exchange and probe goes over {@link #tcp()}'s TLS connections. */
    public boolean isTls() {
        return tcp.tls() != null;
    }

    /** "tcp-tls" for a DNS-over-TLS upstream, else "tcp": the stream protocol in errors and metrics. */
    public String streamProto() {
        return tcp.proto();
    }

    /** "1.2.3.4:53" or "[::1]:53" (RFC 5952 text, as Go prints it): the metrics label "to" and log form. */
    public static String label(InetSocketAddress a) {
        if (a.getAddress() instanceof Inet6Address v6) {
            return "[" + io.nodedns.net.IpText.of(v6.getAddress()) + "]:" + a.getPort();
        }
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return host + ":" + a.getPort();
    }

    public InetSocketAddress address() {
        return address;
    }

    public String label() {
        return label;
    }

    public TcpPool tcp() {
        return tcp;
    }

    /** Down when consecutive failed probes exceed maxFails; never with maxFails 0. */
    public boolean down(int maxFails) {
        return maxFails != 0 && fails.get() > maxFails;
    }

    public int fails() {
        return fails.get();
    }

    /** A query to this upstream failed (timeout, refused, I/O error); probes decide health. */
    public void failed() {
        failures.increment();
    }

    /** A reply came back to a thread that is not a UDP loop (TCP, blocking path): counts it by rcode and round-trip time. */
    public void responded(int rcode, long nanos) {
        replies[0].add(rcode, nanos);
    }

    /**
     * The same on a UDP loop: {@code loop} (the loop, or anything only that loop uses) finds the
     * loop's own counts with a scan of a few entries, so loops never write a shared cache line.
     */
    public void responded(Object loop, int rcode, long nanos) {
        ReplyCounts[] all = replies;
        for (int i = 1; i < all.length; i++) {
            if (all[i].owner == loop) {
                all[i].add(rcode, nanos);
                return;
            }
        }
        addWriter(loop).add(rcode, nanos);
    }

    private synchronized ReplyCounts addWriter(Object loop) {
        ReplyCounts created = new ReplyCounts(loop);
        ReplyCounts[] next = java.util.Arrays.copyOf(replies, replies.length + 1);
        next[next.length - 1] = created;
        replies = next;
        return created;
    }

    boolean startProbing() {
        return probing.compareAndSet(false, true);
    }

    void probingDone() {
        probing.set(false);
    }

    public boolean probing() {
        return probing.get();
    }

    void probeFailed() {
        fails.incrementAndGet();
        healthcheckFailures.increment();
    }

    void probeSucceeded() {
        fails.set(0);
    }

    /** Closes cached connections (the upstream left the table or its forwarder stopped). */
    public void close() {
        tcp.close();
    }

    /** An error text in CoreDNS's words for a failed exchange over {@code proto} ("udp", "tcp"). */
    public String describe(String proto, IOException e) {
        if (e instanceof SocketTimeoutException) {
            String m = e.getMessage();
            return m != null && m.startsWith("dial ") ? m : "read " + proto + " " + label + ": i/o timeout";
        }
        String m = e.getMessage();
        if (m != null && m.startsWith("dial ")) {
            return m;
        }
        if (e instanceof java.net.PortUnreachableException) {
            return "read " + proto + " " + label + ": connection refused";
        }
        return "read " + proto + " " + label + ": " + TcpPool.reason(e);
    }

    public long failures() {
        return failures.sum();
    }

    /** coredns_proxy_healthcheck_failures_total{to}. */
    public long healthcheckFailures() {
        return healthcheckFailures.sum();
    }

    /** Replies received with this rcode (the histogram's count for that rcode label), summed over writers. */
    public long responses(int rcode) {
        long n = 0;
        for (int b = 0; b < ReplyCounts.STRIDE - 1; b++) {
            n += sum(rcode, b);
        }
        return n;
    }

    /** Non-cumulative count in histogram bucket b (0..16, 16 = +Inf) for an rcode, summed over writers. */
    public long durationBucket(int rcode, int bucket) {
        return sum(rcode, bucket);
    }

    public long durationSumNanos(int rcode) {
        return sum(rcode, ReplyCounts.STRIDE - 1);
    }

    private long sum(int rcode, int b) {
        long n = 0;
        for (ReplyCounts c : replies) {
            n += c.get(rcode, b);
        }
        return n;
    }

    @Override
    public String toString() {
        return label;
    }
}
