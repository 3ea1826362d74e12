package io.nodedns.plugin.forward;

import io.nodedns.server.Exchange;
import io.nodedns.server.LoopTicker;
import io.nodedns.server.Result;
import io.nodedns.server.UdpIo;
import io.nodedns.server.UdpLoop;
import io.nodedns.upstream.Upstream;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.RecordWalker;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One forwarder's UDP path on one loop, touched only by that loop's thread: per upstream a few
 * connected sockets (opened on first use), the {@link PendingTable} of parked queries, and the
 * ticker that times attempts out. In steady state a query allocates nothing here: buffers, slots
 * and sockets are reused, IDs come from a preallocated keystream, and the errors of timeouts and
 * refusals are built once per socket; a failed send keeps its errno, and its text is built only
 * when the query fails with it.
 */
final class UdpForwarder implements LoopTicker {
    /** Sockets per upstream per loop; a power of two (picked with a random byte). */
    static final int SOCKETS_PER_UPSTREAM = 4;
    private static final int READ_BATCH = 64;
    private static final String SHED_ERROR = "plugin/forward: memory budget for queries in flight reached, answered SERVFAIL";

    private static final int UDP_SIZE = UpstreamBuffers.UDP_SIZE;

    final ForwardHandler fwd;
    final UdpLoop loop;
    private final UpstreamBuffers buffers;
    private final UnsafeBuffer tx;
    private final RandomBytes random = new RandomBytes();
    private final PendingTable pending = new PendingTable(this, random);
    private final IdentityHashMap<Upstream, UpstreamSocket[]> sockets = new IdentityHashMap<>();
    private final RecordWalker walker = new RecordWalker();
    private Upstream[] socketsTable;
    private volatile boolean closed;

    UdpForwarder(ForwardHandler fwd, UdpLoop loop) {
        this.fwd = fwd;
        this.loop = loop;
        this.buffers = UpstreamBuffers.OF_LOOP.get(loop);
        this.tx = buffers.tx;
        loop.addTicker(this);
        fwd.register(this);
    }

    /** Starts a query; returns PENDING, or an rcode when it failed before anything was sent. */
    int start(Exchange ex, Upstream[] list) {
        if (!loop.mayPark()) { // the memory budget is spent on waiting queries: fail fast, keep hits served
            loop.countParkShed();
            ex.error(SHED_ERROR);
            fwd.countRcode(DnsHeader.RCODE_SERVFAIL);
            fwd.done();
            return DnsHeader.RCODE_SERVFAIL;
        }
        Pending p = pending.acquire();
        if (p == null) {
            ex.error("plugin/forward: too many queries in flight on this loop");
            fwd.countRcode(DnsHeader.RCODE_SERVFAIL);
            fwd.done();
            return DnsHeader.RCODE_SERVFAIL;
        }
        long now = System.nanoTime();
        p.ex = ex;
        fwd.startAttempts(p.attempts, list, now);
        int r = advance(p, now);
        if (r != Result.PENDING) {
            pending.release(p);
            fwd.countRcode(r);
            fwd.done();
        }
        return r;
    }

    /** Sends the query's next attempt; PENDING while one is out, else the rcode to finish with. */
    private int advance(Pending p, long now) {
        Attempts a = p.attempts;
        for (int tries = 0;; tries++) {
            int idx = fwd.nextUpstream(a, now);
            if (idx < 0) {
                p.ex.error(idx == Attempts.NO_HEALTHY ? Attempts.NO_HEALTHY_ERROR : a.finalError());
                return DnsHeader.RCODE_SERVFAIL;
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
        int id = pending.freeId();
        tx.putBytes(0, ex.request(), 0, len);
        tx.putShort(0, (short) id, ByteOrder.BIG_ENDIAN);
        int n = s.io.send(len);
        if (n == UdpIo.REFUSED) {
            fwd.attemptFailed(p.attempts, u, s.refusedError);
            return false;
        }
        if (n != len) {
            fwd.sendFailed(p.attempts, u, s, s.io.sendErrno());
            return false;
        }
        return sent(p, s, u, id, now);
    }

    /** Records a sent attempt: the reply is now awaited on that socket under that ID. */
    private boolean sent(Pending p, UpstreamSocket s, Upstream u, int id, long now) {
        p.socket = s;
        p.upstream = u;
        p.ex.metadata("forward/upstream", u.label()); // CoreDNS: the upstream of the latest attempt
        p.sentAt = now;
        p.attemptDeadline = Math.min(now + fwd.readTimeoutNanos(), p.attempts.deadline);
        pending.await(p, id);
        return true;
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
                s = UpstreamSocket.open(this, buffers, u, fwd.config().sourceAddress());
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
            p.upstream.responded(loop, p.rcodeOfTcpReply(), now - p.sentAt);
            onReply(p, p.ex.response(), p.tcpLength, now);
        } else if (p.tcpLength == Pending.TCP_QUESTION_MISMATCH) {
            p.ex.error("plugin/forward: reply from " + p.upstream.label() + " does not match the question");
            finish(p, DnsHeader.RCODE_FORMERR); // CoreDNS: request.Match fails -> FORMERR to the client
        } else {
            fwd.attemptFailed(p.attempts, p.upstream, p.tcpError);
            proceed(p, now);
        }
    }

    /** The upstream socket is readable: take what is there (a short batch means nothing more is queued), accept only exact matches. */
    void onReadable(UpstreamSocket s) {
        UpstreamIo io = s.io;
        int batch = io.batch();
        for (int round = 0; round < READ_BATCH / batch; round++) {
            int n = io.receive();
            if (n < 0) {
                if (n == UdpIo.REFUSED) {
                    refused(s);
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                onDatagram(s, io.data(i), io.length(i), io.truncated(i));
            }
            if (n < batch) {
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
        Pending p = pending.awaiting(DnsHeader.id(rx, 0));
        if (p == null || p.socket != s
                || (cut ? ReplyCheck.question(rx, n, p.ex) : ReplyCheck.check(rx, n, p.ex, walker)) != ReplyCheck.OK) {
            fwd.countMismatch(); // late, spoofed, wrong socket, opcode or question, or junk: keep waiting
            return;
        }
        pending.stopWaiting(p);
        long now = System.nanoTime();
        p.upstream.responded(loop, DnsHeader.rcode(rx, 0), now - p.sentAt);
        if (cut || DnsHeader.flag(rx, 0, DnsHeader.TC)) {
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
                pending.release(p);
                fwd.done();
                fwd.passOnPending(ex);
            }
            default -> {
                Exchange ex = p.ex;
                pending.release(p);
                fwd.done();
                fwd.write(ex, reply, length);
                ex.complete();
            }
        }
    }

    /** ICMP port unreachable on a socket: every attempt waiting on it failed. */
    private void refused(UpstreamSocket s) {
        long now = System.nanoTime();
        for (int i = pending.size() - 1; i >= 0; i--) {
            if (i >= pending.size()) {
                continue;
            }
            Pending p = pending.active(i);
            if (p.waiting && p.socket == s) {
                pending.stopWaiting(p);
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
        pending.release(p);
        fwd.done();
        fwd.countRcode(rcode);
        ex.completeWithRcode(rcode);
    }

    @Override
    public void onTick(long now) {
        for (int i = pending.size() - 1; i >= 0; i--) {
            if (i >= pending.size()) {
                continue;
            }
            Pending p = pending.active(i);
            if (p.retryNow) {
                p.retryNow = false;
                proceed(p, now);
            } else if (p.waiting && now - p.attemptDeadline >= 0) {
                pending.stopWaiting(p);
                fwd.attemptFailed(p.attempts, p.upstream, p.socket.timeoutError);
                proceed(p, now);
            }
        }
        Upstream[] current = fwd.table().get();
        if (current != socketsTable) {
            pruneSockets(current);
        }
        if (fwd.stopped() && pending.size() == 0) {
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

    /** Queries parked on this loop (tests). */
    int inFlight() {
        return pending.size();
    }
}
