package io.nodedns.plugin.forward;

import io.nodedns.server.Exchange;
import io.nodedns.server.LoopLocal;
import io.nodedns.server.LoopTicker;
import io.nodedns.server.Result;
import io.nodedns.server.UdpLoop;
import io.nodedns.upstream.Upstream;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.RecordWalker;
import java.io.IOException;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.IdentityHashMap;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One forwarder's state on one UDP loop, touched only by that loop's thread: per upstream a few
 * connected sockets (opened on first use), the pending table indexed by query ID, and the ticker
 * that times attempts out. In steady state a query allocates nothing here: buffers, slots and
 * sockets are reused, IDs come from a preallocated keystream, errors are prebuilt strings.
 */
final class LoopState implements LoopTicker {
    /** Sockets per upstream per loop; a power of two (picked with a random byte). */
    static final int SOCKETS_PER_UPSTREAM = 4;
    private static final int MAX_SLOTS = 65535;
    private static final int READ_BATCH = 64;
    private static final String SHED_ERROR = "plugin/forward: memory budget for queries in flight reached, answered SERVFAIL";

    final ForwardHandler fwd;
    final UdpLoop loop;
    /** Bytes of a query or reply over UDP here; a longer query goes over TCP, a longer reply is asked again over TCP. */
    private static final int UDP_SIZE = io.nodedns.sys.UpstreamDatagrams.SLOT_SIZE;
    /**
     * The loop's send and receive buffers, shared by every forwarder on that loop: each is filled
     * and used within one call on the loop thread. Per loop rather than per forwarder, so a reload,
     * which builds new forwarders, allocates no native memory (per forwarder they were freed only by
     * a GC, and glibc kept the pages: RSS grew with every reload).
     */
    private static final LoopLocal<Scratch> SCRATCH = new LoopLocal<>(l -> new Scratch());

    private static final class Scratch {
        final ByteBuffer txBuffer = ByteBuffer.allocateDirect(UDP_SIZE);
        final UnsafeBuffer tx = new UnsafeBuffer(txBuffer);
        final io.nodedns.sys.UpstreamDatagrams native_ = io.nodedns.sys.UpstreamDatagrams.unavailableReason() == null
                ? new io.nodedns.sys.UpstreamDatagrams(tx.addressOffset(), UDP_SIZE) : null;
        /** The NIO path's receive buffer (a slot and one byte, so a longer reply shows as cut); made on first use. */
        ByteBuffer rxBuffer;
        UnsafeBuffer rx;
    }

    private final Scratch scratch;
    private final ByteBuffer txBuffer;
    private final UnsafeBuffer tx;
    /** Native send/recvmmsg for sockets that have a descriptor; null where FFM is unavailable. */
    private final io.nodedns.sys.UpstreamDatagrams native_;
    /** Query ID to 1-based slot number of the UDP attempt waiting under it on this loop. */
    private final IdTable ids = new IdTable();
    private Pending[] slots = new Pending[64];
    private int created;
    private Pending[] free = new Pending[64];
    private int freeCount;
    private Pending[] active = new Pending[64];
    private int activeCount;
    private final IdentityHashMap<Upstream, UpstreamSocket[]> sockets = new IdentityHashMap<>();
    private final RecordWalker walker = new RecordWalker();
    private final RandomBytes random = new RandomBytes();
    private Upstream[] socketsTable;
    private volatile boolean closed;

    LoopState(ForwardHandler fwd, UdpLoop loop) {
        this.fwd = fwd;
        this.loop = loop;
        this.scratch = SCRATCH.get(loop);
        this.txBuffer = scratch.txBuffer;
        this.tx = scratch.tx;
        this.native_ = scratch.native_;
        loop.addTicker(this);
        fwd.register(this);
    }

    /** Starts a query; returns PENDING, or an rcode when it failed before anything was sent. */
    int start(Exchange ex, Upstream[] list) {
        if (!loop.mayPark()) { // the memory budget is spent on waiting queries: fail fast, keep hits served
            loop.countParkShed();
            ex.error(SHED_ERROR);
            fwd.countRcode(Result.SERVFAIL);
            fwd.done();
            return Result.SERVFAIL;
        }
        Pending p = acquire();
        if (p == null) {
            ex.error("plugin/forward: too many queries in flight on this loop");
            fwd.countRcode(Result.SERVFAIL);
            fwd.done();
            return Result.SERVFAIL;
        }
        long now = System.nanoTime();
        p.ex = ex;
        p.attempts.start(list, fwd.policy(), now, fwd.budgetNanos());
        int r = advance(p, now);
        if (r != Result.PENDING) {
            release(p);
            fwd.countRcode(r);
            fwd.done();
        }
        return r;
    }

    /** Sends the query's next attempt; PENDING while one is out, else the rcode to finish with. */
    private int advance(Pending p, long now) {
        Attempts a = p.attempts;
        for (int tries = 0; ; tries++) {
            int idx = a.next(now, fwd);
            if (idx < 0) {
                p.ex.error(idx == Attempts.NO_HEALTHY ? Attempts.NO_HEALTHY_ERROR : a.finalError());
                return Result.SERVFAIL;
            }
            Upstream u = a.list[idx];
            if (fwd.config().forceTcp() || u.isTls()) { // TLS: its pool on a virtual thread, never this loop
                startTcp(p, u, now);
                return Result.PENDING;
            }
            if (sendUdp(p, u, now)) {
                return Result.PENDING;
            }
            if (tries >= a.n) {
                p.retryNow = true; // every upstream failed at once: pause till the next tick, no spinning
                return Result.PENDING;
            }
        }
    }

    private boolean sendUdp(Pending p, Upstream u, long now) {
        UpstreamSocket s = socket(u);
        if (s == null) {
            fwd.attemptFailed(p.attempts, u, "dial udp " + u.label() + ": cannot open socket");
            return false;
        }
        Exchange ex = p.ex;
        int len = ex.requestLength();
        if (len > UDP_SIZE) {
            startTcp(p, u, now); // a query no UDP buffer here holds (not from a UDP client: those fit)
            return true;
        }
        int id = freeId();
        tx.putBytes(0, ex.request(), 0, len);
        tx.putShort(0, (short) id, ByteOrder.BIG_ENDIAN);
        if (s.fd >= 0 && native_ != null) {
            if (native_.send(s.fd, len) != len) {
                int errno = native_.errno();
                fwd.attemptFailed(p.attempts, u, errno == io.nodedns.sys.UpstreamDatagrams.ECONNREFUSED ? s.refusedError
                        : "write udp " + u.label() + ": no buffer space (errno " + errno + ")");
                return false;
            }
            return sent(p, s, u, id, now);
        }
        txBuffer.clear().limit(len);
        try {
            if (s.channel.write(txBuffer) != len) {
                fwd.attemptFailed(p.attempts, u, "write udp " + u.label() + ": no buffer space");
                return false;
            }
        } catch (PortUnreachableException e) {
            fwd.attemptFailed(p.attempts, u, s.refusedError);
            return false;
        } catch (IOException e) {
            fwd.attemptFailed(p.attempts, u, "write udp " + u.label() + ": " + e.getMessage());
            return false;
        }
        return sent(p, s, u, id, now);
    }

    /** Records a sent attempt: the reply is now awaited on that socket under that ID. */
    private boolean sent(Pending p, UpstreamSocket s, Upstream u, int id, long now) {
        p.socket = s;
        p.upstream = u;
        p.ex.metadata("forward/upstream", u.label()); // CoreDNS: the upstream of the latest attempt
        p.id = id;
        p.sentAt = now;
        p.attemptDeadline = Math.min(now + fwd.readTimeoutNanos(), p.attempts.deadline);
        p.waiting = true;
        ids.put(id, p.number);
        return true;
    }

    /** A random ID no UDP attempt on this loop is using. */
    private int freeId() {
        int id = random.next16();
        for (int i = 0; i < 16 && ids.get(id) != 0; i++) {
            id = random.next16();
        }
        while (ids.get(id) != 0) { // at most 65535 in use, so a free one exists
            id = (id + 1) & 0xFFFF;
        }
        return id;
    }

    private UpstreamSocket socket(Upstream u) {
        UpstreamSocket[] set = sockets.get(u);
        if (set == null) {
            set = new UpstreamSocket[SOCKETS_PER_UPSTREAM];
            sockets.put(u, set);
        }
        int k = random.next8() & (SOCKETS_PER_UPSTREAM - 1);
        UpstreamSocket s = set[k];
        if (s == null) {
            try {
                s = UpstreamSocket.open(this, u, fwd.config().sourceAddress());
            } catch (IOException | RuntimeException e) {
                return null;
            }
            set[k] = s;
        }
        return s;
    }

    private void startTcp(Pending p, Upstream u, long now) {
        p.waiting = false;
        p.tcpBusy = true;
        p.upstream = u;
        p.ex.metadata("forward/upstream", u.label());
        p.sentAt = now;
        p.attemptDeadline = Math.min(now + fwd.readTimeoutNanos(), p.attempts.deadline);
        Thread.ofVirtual().name("nodedns-forward-tcp").start(p.tcpTask);
    }

    void onTcpDone(Pending p) {
        p.tcpBusy = false;
        long now = System.nanoTime();
        if (p.tcpLength >= 0) {
            p.upstream.responded(p.rcodeOfTcpReply(), now - p.sentAt);
            onReply(p, p.ex.response(), p.tcpLength, now);
        } else if (p.tcpLength == Pending.TCP_QUESTION_MISMATCH) {
            p.ex.error("plugin/forward: reply from " + p.upstream.label() + " does not match the question");
            finish(p, Result.FORMERR); // CoreDNS: request.Match fails -> FORMERR to the client
        } else {
            fwd.attemptFailed(p.attempts, p.upstream, p.tcpError);
            proceed(p, now);
        }
    }

    /** The upstream socket is readable: take what is there, accept only exact matches. */
    void onReadable(UpstreamSocket s) {
        if (s.fd >= 0 && native_ != null) {
            readNative(s);
            return;
        }
        if (scratch.rxBuffer == null) {
            scratch.rxBuffer = ByteBuffer.allocateDirect(UDP_SIZE + 1);
            scratch.rx = new UnsafeBuffer(scratch.rxBuffer);
        }
        ByteBuffer rxBuffer = scratch.rxBuffer;
        UnsafeBuffer rx = scratch.rx;
        for (int i = 0; i < READ_BATCH; i++) {
            rxBuffer.clear();
            int n;
            try {
                n = s.channel.read(rxBuffer);
            } catch (PortUnreachableException e) {
                refused(s);
                return;
            } catch (IOException e) {
                return;
            }
            if (n <= 0) {
                return;
            }
            onDatagram(s, rx, Math.min(n, UDP_SIZE), n > UDP_SIZE);
        }
    }

    /** recvmmsg: every queued reply in one call; a short batch means the queue is empty. */
    private void readNative(UpstreamSocket s) {
        for (int round = 0; round < READ_BATCH / io.nodedns.sys.UpstreamDatagrams.SLOTS; round++) {
            int n = native_.receive(s.fd);
            if (n < 0) {
                if (native_.errno() == io.nodedns.sys.UpstreamDatagrams.ECONNREFUSED) {
                    refused(s);
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                onDatagram(s, native_.slot(i), Math.min(native_.length(i), UDP_SIZE), native_.truncated(i));
            }
            if (n < io.nodedns.sys.UpstreamDatagrams.SLOTS) {
                return;
            }
        }
    }

    /** @param cut the reply was longer than the receive slot: if it is ours, ask again over TCP */
    private void onDatagram(UpstreamSocket s, DirectBuffer rx, int n, boolean cut) {
        if (n < DnsHeader.LENGTH) {
            fwd.countMismatch();
            return;
        }
        int id = DnsHeader.id(rx, 0);
        int number = ids.get(id);
        Pending p = number == 0 ? null : slots[number - 1];
        if (p == null || !p.waiting || p.socket != s
                || (cut ? ReplyCheck.question(rx, n, p.ex) : ReplyCheck.check(rx, n, p.ex, walker)) != ReplyCheck.OK) {
            fwd.countMismatch(); // late, spoofed, wrong socket, opcode or question, or junk: keep waiting
            return;
        }
        ids.remove(id);
        p.waiting = false;
        long now = System.nanoTime();
        p.upstream.responded(DnsHeader.rcode(rx, 0), now - p.sentAt);
        if (cut || DnsHeader.tc(rx, 0)) {
            startTcp(p, p.upstream, now); // truncated (by the upstream or by our slot): the same upstream over TCP
            return;
        }
        onReply(p, rx, n, now);
    }

    private void onReply(Pending p, DirectBuffer reply, int length, long now) {
        switch (fwd.decide(p.attempts, reply)) {
            case ForwardHandler.FAILOVER -> proceed(p, now);
            case ForwardHandler.NEXT -> {
                Exchange ex = p.ex;
                release(p);
                fwd.done();
                fwd.passOnPending(ex);
            }
            default -> {
                Exchange ex = p.ex;
                release(p);
                fwd.done();
                fwd.write(ex, reply, length);
                ex.complete();
            }
        }
    }

    /** ICMP port unreachable on a socket: every attempt waiting on it failed. */
    private void refused(UpstreamSocket s) {
        long now = System.nanoTime();
        for (int i = activeCount - 1; i >= 0; i--) {
            if (i >= activeCount) {
                continue;
            }
            Pending p = active[i];
            if (p.waiting && p.socket == s) {
                ids.remove(p.id);
                p.waiting = false;
                fwd.attemptFailed(p.attempts, p.upstream, s.refusedError);
                proceed(p, now);
            }
        }
    }

    /** Moves a query to its next attempt, or finishes it with SERVFAIL. */
    private void proceed(Pending p, long now) {
        int r = advance(p, now);
        if (r != Result.PENDING) {
            finish(p, r);
        }
    }

    private void finish(Pending p, int rcode) {
        Exchange ex = p.ex;
        release(p);
        fwd.done();
        fwd.countRcode(rcode);
        ex.completeWithRcode(rcode);
    }

    @Override
    public void onTick(long now) {
        for (int i = activeCount - 1; i >= 0; i--) {
            if (i >= activeCount) {
                continue;
            }
            Pending p = active[i];
            if (p.retryNow) {
                p.retryNow = false;
                proceed(p, now);
            } else if (p.waiting && now - p.attemptDeadline >= 0) {
                ids.remove(p.id);
                p.waiting = false;
                fwd.attemptFailed(p.attempts, p.upstream, p.socket.timeoutError);
                proceed(p, now);
            }
        }
        Upstream[] current = fwd.table().get();
        if (current != socketsTable) {
            pruneSockets(current);
        }
        if (fwd.stopped() && activeCount == 0) {
            closeSockets();
            loop.removeTicker(this);
            fwd.forget(this, loop);
        }
    }

    /** Closes sockets of upstreams that left the table (kubeforward swaps). */
    private void pruneSockets(Upstream[] current) {
        socketsTable = current;
        sockets.entrySet().removeIf(e -> {
            for (Upstream u : current) {
                if (u == e.getKey()) {
                    return false;
                }
            }
            for (UpstreamSocket s : e.getValue()) {
                if (s != null) {
                    s.close();
                }
            }
            return true;
        });
    }

    /** Closes every socket (idempotent; the reaper may call it from another thread). */
    synchronized void closeSockets() {
        if (closed) {
            return;
        }
        closed = true;
        for (UpstreamSocket[] set : sockets.values()) {
            for (UpstreamSocket s : set) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private Pending acquire() {
        Pending p;
        if (freeCount > 0) {
            p = free[--freeCount];
            free[freeCount] = null;
        } else if (created < MAX_SLOTS) {
            if (created == slots.length) {
                slots = Arrays.copyOf(slots, Math.min(MAX_SLOTS, created * 2));
                free = Arrays.copyOf(free, slots.length);
                ids.ensureFor(slots.length);
            }
            p = new Pending(this, created + 1);
            slots[created++] = p;
        } else {
            return null;
        }
        if (activeCount == active.length) {
            active = Arrays.copyOf(active, Math.min(MAX_SLOTS, activeCount * 2));
        }
        p.activeIndex = activeCount;
        active[activeCount++] = p;
        return p;
    }

    private void release(Pending p) {
        if (p.waiting) {
            ids.remove(p.id);
        }
        int i = p.activeIndex;
        Pending last = active[--activeCount];
        active[i] = last;
        last.activeIndex = i;
        active[activeCount] = null;
        p.clear();
        free[freeCount++] = p;
    }

    /** Queries parked on this loop (tests). */
    int inFlight() {
        return activeCount;
    }
}
