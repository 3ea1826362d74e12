package io.nodedns.plugin.forward;

import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.server.Transport;
import io.nodedns.upstream.BlockingUdp;
import io.nodedns.upstream.Upstream;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.RecordWalker;
import java.io.IOException;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The forward algorithm for a caller that may block: TCP clients on their connection's virtual
 * thread (and any caller off a UDP loop). Same walk as the loop path; the protocol follows the
 * client (TCP) unless prefer_udp, force_tcp wins, a DNS-over-TLS upstream always gets TLS; a truncated UDP reply is retried over TCP on the
 * same upstream. Allocates freely: this is not the UDP hot path.
 */
final class BlockingPath {
    private BlockingPath() {}

    static int serve(ForwardHandler f, Exchange ex, Upstream[] list) {
        ForwardConfig c = f.config();
        boolean clientTcp = ex.clientTransport() == Transport.TCP; // a self lookup: its client's
        boolean useTcp = c.forceTcp() || (clientTcp && !c.preferUdp());
        Attempts a = new Attempts();
        f.startAttempts(a, list, System.nanoTime());
        int len = ex.requestLength();
        byte[] query = new byte[len];
        ex.request().getBytes(0, query, 0, len);
        byte[] reply = new byte[65535];
        UnsafeBuffer view = new UnsafeBuffer(reply);
        RecordWalker walker = new RecordWalker();
        while (true) {
            long now = System.nanoTime();
            int idx = f.nextUpstream(a, now);
            if (idx < 0) {
                ex.error(idx == Attempts.NO_HEALTHY ? Attempts.NO_HEALTHY_ERROR : a.finalError());
                f.countRcode(DnsHeader.RCODE_SERVFAIL);
                return DnsHeader.RCODE_SERVFAIL;
            }
            Upstream u = list[idx];
            ex.metadata("forward/upstream", u.label());
            long deadline = Math.min(now + f.readTimeoutNanos(), a.deadline);
            boolean tcp = useTcp || u.isTls();
            int n;
            try {
                if (tcp) {
                    n = tcpExchange(u, query, len, reply, deadline);
                } else {
                    int id = setId(query);
                    n = BlockingUdp.exchange(u.address(), c.sourceAddress(), query, len, reply, deadline, (r, l) -> {
                        view.wrap(r, 0, l);
                        boolean ok = l >= DnsHeader.LENGTH && DnsHeader.id(view, 0) == id
                                && ReplyCheck.check(view, l, ex, walker) == ReplyCheck.OK;
                        if (!ok) {
                            f.countMismatch();
                        }
                        return ok;
                    });
                    if (DnsHeader.flag(new UnsafeBuffer(reply, 0, n), 0, DnsHeader.TC)) {
                        tcp = true; // truncated: the same upstream over TCP (CoreDNS does this for prefer_udp)
                        n = tcpExchange(u, query, len, reply,
                                Math.min(System.nanoTime() + f.readTimeoutNanos(), a.deadline));
                    }
                }
            } catch (IOException e) {
                f.attemptFailed(a, u, u.describe(tcp ? u.streamProto() : "udp", e));
                continue;
            }
            view.wrap(reply, 0, n);
            int check = ReplyCheck.check(view, n, ex, walker);
            if (check == ReplyCheck.QUESTION) {
                ex.error("plugin/forward: reply from " + u.label() + " does not match the question");
                f.countRcode(DnsHeader.RCODE_FORMERR);
                return DnsHeader.RCODE_FORMERR;
            }
            if (check != ReplyCheck.OK) {
                f.attemptFailed(a, u, "read " + (tcp ? u.streamProto() : "udp") + " " + u.label() + ": dns: bad reply");
                continue;
            }
            u.responded(DnsHeader.rcode(view, 0), System.nanoTime() - now);
            switch (f.decide(a, view)) {
                case ForwardHandler.FAILOVER -> {
                    continue;
                }
                case ForwardHandler.NEXT -> {
                    return f.passOn(ex);
                }
                default -> {
                    f.write(ex, view, n);
                    return Result.WRITTEN;
                }
            }
        }
    }

    private static int tcpExchange(Upstream u, byte[] query, int len, byte[] reply, long deadline) throws IOException {
        int id = setId(query);
        return u.tcp().exchange(query, len, id, reply, deadline);
    }

    private static int setId(byte[] query) {
        int id = RandomBytes.shared16();
        query[0] = (byte) (id >>> 8);
        query[1] = (byte) id;
        return id;
    }
}
