package io.nodedns.upstream;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.RecordWalker;
import io.nodedns.wire.Records;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * CoreDNS's health checking (plugin/forward/health.go): a probe loop starts only after a failed query, at most one
 * per upstream, on a virtual thread (never on a UDP loop). It sends {@code <domain> IN NS} (RD=1
 * unless no_rec) over UDP, or TCP with force_tcp, or a fresh TLS connection to a DNS-over-TLS
 * upstream (so a certificate that stops verifying keeps it down), with 1 s timeouts; any decodable reply is healthy
 * and ends the loop with the fail counter reset; a failure bumps the counter and the next probe
 * follows after the interval. max_fails 0 (or a zero interval) means never probe.
 */
public final class HealthChecker {
    private static final long PROBE_TIMEOUT_NANOS = 1_000_000_000L;

    private final Duration interval;
    private final boolean recursionDesired;
    private final byte[] domainWire;
    private final boolean tcp;
    private final int maxFails;
    private final InetAddress source;
    private volatile boolean stopped;

    public HealthChecker(Duration interval, boolean recursionDesired, String domain, boolean tcp, int maxFails,
            InetAddress source) {
        this.interval = interval;
        this.recursionDesired = recursionDesired;
        UnsafeBuffer b = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
        int n = Names.fromString(domain, b, 0);
        if (n < 0) {
            throw new IllegalArgumentException("invalid health check domain " + domain);
        }
        this.domainWire = new byte[n];
        b.getBytes(0, domainWire);
        this.tcp = tcp;
        this.maxFails = maxFails;
        this.source = source;
        if (enabled()) {
            Starter.init();
        }
    }

    public boolean enabled() {
        return maxFails != 0 && !interval.isZero();
    }

    /**
     * A query to {@code u} failed: have its probe loop started unless one runs. Called on UDP loops,
     * so it allocates nothing: the upstream goes into the starter's preallocated queue and the starter
     * thread is unparked; starting a virtual thread here cost the loop a few hundred bytes per failed
     * attempt, which timeouts on a loaded machine turned into allocations on the hot path.
     */
    public void trigger(Upstream u) {
        if (!enabled() || stopped || !u.startProbing()) {
            return;
        }
        u.probeBy = this; // published by the queue's offer
        if (!Starter.QUEUE.offer(u)) { // more upstreams waiting than the queue holds: the next failure asks again
            u.probingDone();
            return;
        }
        LockSupport.unpark(Starter.THREAD);
    }

    /**
     * The one platform thread per process (started with the first enabled checker, parked while no
     * upstream fails) that starts probe loops, so that a UDP loop only queues and unparks: unparking a
     * platform thread allocates nothing, unlike submitting to the virtual threads' scheduler.
     */
    private static final class Starter implements Runnable {
        /** Upstreams awaiting their probe loop's start, one entry each at most (startProbing). */
        static final ManyToOneConcurrentArrayQueue<Upstream> QUEUE = new ManyToOneConcurrentArrayQueue<>(1024);
        static final Thread THREAD = Thread.ofPlatform().daemon().name("nodedns-healthcheck-starter")
                .start(new Starter());

        /** Loads this class, so the thread starts at configuration, not on the loop of the first failure. */
        static void init() {}

        @Override
        public void run() {
            while (true) {
                Upstream u;
                while ((u = QUEUE.poll()) != null) {
                    HealthChecker c = u.probeBy;
                    if (c.stopped) {
                        u.probingDone();
                        continue;
                    }
                    try {
                        Thread.ofVirtual().name("nodedns-healthcheck").start(new ProbeLoop(c, u));
                    } catch (RuntimeException e) {
                        u.probingDone();
                    }
                }
                LockSupport.park(); // an unpark before this park makes it return at once: none is lost
            }
        }
    }

    private void probeLoop(Upstream u) {
        try {
            while (!stopped) {
                if (probe(u)) {
                    u.probeSucceeded();
                    return;
                }
                u.probeFailed();
                Thread.sleep(interval);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            u.probingDone();
        }
    }

    private record ProbeLoop(HealthChecker checker, Upstream upstream) implements Runnable {
        @Override
        public void run() {
            checker.probeLoop(upstream);
        }
    }

    /** One probe: true if {@code u} sent back anything decodable with the probe's ID. */
    public boolean probe(Upstream u) {
        int id = ThreadLocalRandom.current().nextInt(1 << 16);
        byte[] query = query(id);
        byte[] reply = new byte[65535];
        long deadline = System.nanoTime() + PROBE_TIMEOUT_NANOS;
        try {
            int n = tcp || u.isTls()
                    ? u.tcp().exchangeFresh(query, query.length, id, reply, deadline)
                    : BlockingUdp.exchange(u.address(), source, query, query.length, reply, deadline,
                            (r, len) -> len >= DnsHeader.LENGTH && (((r[0] & 0xFF) << 8) | (r[1] & 0xFF)) == id);
            return decodable(reply, n);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private byte[] query(int id) {
        byte[] q = new byte[DnsHeader.LENGTH + domainWire.length + 4];
        UnsafeBuffer b = new UnsafeBuffer(q);
        DnsHeader.id(b, 0, id);
        DnsHeader.flags(b, 0, recursionDesired ? DnsHeader.RD : 0);
        DnsHeader.qdcount(b, 0, 1);
        b.putBytes(DnsHeader.LENGTH, domainWire);
        int p = DnsHeader.LENGTH + domainWire.length;
        b.putShort(p, (short) Records.TYPE_NS, java.nio.ByteOrder.BIG_ENDIAN);
        b.putShort(p + 2, (short) Records.CLASS_IN, java.nio.ByteOrder.BIG_ENDIAN);
        return q;
    }

    /** "Any decodable reply": a response whose every record parses, whatever its rcode. */
    static boolean decodable(byte[] reply, int length) {
        UnsafeBuffer b = new UnsafeBuffer(reply, 0, length);
        if (length < DnsHeader.LENGTH || !DnsHeader.flag(b, 0, DnsHeader.QR)) {
            return false;
        }
        RecordWalker w = new RecordWalker();
        if (w.wrap(b, 0, length) < 0) {
            return false;
        }
        while (w.next()) {
            // walk only to validate
        }
        return w.error() == 0;
    }

    /** Ends probe loops after their current probe; later triggers do nothing. */
    public void stop() {
        stopped = true;
    }
}
