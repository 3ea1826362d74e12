package io.nodedns.plugin.forward;

import io.nodedns.server.Exchange;
import io.nodedns.upstream.Upstream;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.RecordWalker;
import java.io.IOException;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One parked query on a loop: which exchange, which socket and ID its current attempt used, its
 * deadlines and its {@link Attempts}. Preallocated and reused. A TCP attempt (force_tcp, a
 * DNS-over-TLS upstream, or a truncated UDP reply) runs {@link #runTcp} on a virtual thread, which writes into the parked
 * exchange and hands the result back to the loop thread with {@link #tcpDone}.
 */
final class Pending {
    static final int TCP_FAILED = -1;
    static final int TCP_QUESTION_MISMATCH = -2;

    final UdpForwarder owner;
    /** 1-based slot number, the value stored in the loop's ID table. */
    final int number;
    final Attempts attempts = new Attempts();
    final Runnable tcpTask = this::runTcp;
    final Runnable tcpDone = this::finishTcp;

    Exchange ex;
    UpstreamSocket socket;
    Upstream upstream;
    int id;
    long sentAt;
    long attemptDeadline;
    /** A UDP attempt is out and its ID is in the loop's table. */
    boolean waiting;
    /** A TCP attempt runs on a virtual thread: the sweeper leaves this slot alone. */
    boolean tcpBusy;
    /** Immediate send failures used up this round: the ticker tries again. */
    boolean retryNow;
    int activeIndex;
    int tcpLength;
    String tcpError;

    Pending(UdpForwarder owner, int number) {
        this.owner = owner;
        this.number = number;
    }

    void clear() {
        ex = null;
        socket = null;
        upstream = null;
        waiting = tcpBusy = retryNow = false;
        tcpError = null;
        attempts.clear();
    }

    /** On a virtual thread: one TCP exchange with {@link #upstream}; the reply goes into the exchange. */
    private void runTcp() {
        Exchange e = ex;
        Upstream u = upstream;
        try {
            int len = e.requestLength();
            byte[] query = new byte[len];
            e.request().getBytes(0, query, 0, len);
            int qid = RandomBytes.shared16();
            query[0] = (byte) (qid >>> 8);
            query[1] = (byte) qid;
            byte[] reply = new byte[65535];
            int n = u.tcp().exchange(query, len, qid, reply, attemptDeadline);
            UnsafeBuffer view = new UnsafeBuffer(reply, 0, n);
            int check = ReplyCheck.check(view, n, e, new RecordWalker());
            if (check == ReplyCheck.QUESTION) {
                tcpLength = TCP_QUESTION_MISMATCH;
            } else if (check != ReplyCheck.OK) {
                tcpLength = TCP_FAILED;
                tcpError = "read " + u.streamProto() + " " + u.label() + ": dns: bad reply (" + check + ")";
            } else {
                e.response().checkLimit(n);
                e.response().putBytes(0, view, 0, n);
                tcpLength = n;
            }
        } catch (IOException | RuntimeException failure) {
            tcpLength = TCP_FAILED;
            tcpError = failure instanceof IOException io
                    ? u.describe(u.streamProto(), io)
                    : u.streamProto() + " exchange failed: " + failure;
        }
        owner.loop.execute(tcpDone); // the queue's hand-off publishes the fields above
    }

    private void finishTcp() {
        owner.onTcpDone(this);
    }

    int rcodeOfTcpReply() {
        return DnsHeader.rcode(ex.response(), 0);
    }
}
