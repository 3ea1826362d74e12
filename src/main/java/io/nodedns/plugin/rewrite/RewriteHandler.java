package io.nodedns.plugin.rewrite;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.ResponseHook;
import io.nodedns.server.SelfLookup;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.ReplyWriter;
import java.io.IOException;
import java.util.List;
import org.agrona.ExpandableDirectByteBuffer;
import org.xbill.DNS.Message;

/**
 * The rewrite handler (CoreDNS plugin/rewrite). Rules run in Corefile order on the request in the exchange's
 * buffer; a matched {@code stop} rule ends the list. If anything changed, the client's request is
 * kept in the exchange's scratch buffer and this plugin hooks the reply: it writes the original
 * question back (always, also after {@code continue} rules), replays the reply side of the matched
 * rules in reverse order, and finally restores the client's request so that outer plugins (log,
 * metrics) and the server's EDNS shaping see what the client sent. A {@code cname} rule needs the
 * reply before it is finished (its new target is asked of the server), so a query it applies to
 * runs the rest of the chain on a virtual thread instead.
 */
public final class RewriteHandler extends ChainHandler implements ResponseHook {
    private final Rule[] rules;

    RewriteHandler(List<Rule> rules) {
        super("rewrite");
        this.rules = rules.toArray(Rule[]::new);
    }

    @Override
    public int serve(Exchange ex) {
        Session s = Session.begin(ex, rules.length);
        boolean touched;
        try {
            for (int i = 0; i < rules.length; i++) {
                int result = rules[i].request(s, i);
                if (result == Rule.INVALID) {
                    return invalid(ex, s);
                }
                if (result == Rule.DONE && rules[i].stop) {
                    break;
                }
            }
            touched = s.touched();
            if (touched) {
                ex.addHook(this);
            }
        } finally {
            s.end();
        }
        // a cname rule left an entry: only then does the query leave the calling thread
        if (touched && cnameMatched(ex.scratch())) {
            return SelfLookup.offLoop(ex, "rewrite", () -> followCnames(ex));
        }
        return next(ex);
    }

    /** True if a cname rule ran for this query (its entry is in the exchange state). */
    private boolean cnameMatched(ExpandableDirectByteBuffer st) {
        for (int i = 0, n = ExchangeState.entryCount(st); i < n; i++) {
            if (rules[ExchangeState.rule(st, i)] instanceof CnameRule) {
                return true;
            }
        }
        return false;
    }

    /**
     * The rest of the chain as a query of its own ({@link SelfLookup#ask}), then the cname rules
     * over its reply in rule order, the first CNAME a rule maps being followed. The exchange then
     * completes with that reply, and this plugin's hook maps it back for the client as usual.
     */
    private void followCnames(Exchange ex) {
        try {
            byte[] reply = SelfLookup.askRest(ex, nextHandler());
            if (reply == null) {
                ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
                return;
            }
            Message m = new Message(reply);
            ExpandableDirectByteBuffer st = ex.scratch();
            Text scratch = new Text(256);
            Text out = new Text(256);
            for (int i = 0, n = ExchangeState.entryCount(st); i < n; i++) {
                if (rules[ExchangeState.rule(st, i)] instanceof CnameRule r) {
                    m = r.apply(ex, m, scratch, out);
                }
            }
            byte[] wire = m.toWire();
            ex.response().checkLimit(wire.length);
            ex.response().putBytes(0, wire);
            ex.written(wire.length, "rewrite");
            ex.complete();
        } catch (IOException e) {
            ex.error("plugin/rewrite: " + e.getMessage());
            ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
        } catch (RuntimeException e) {
            ex.panicked("plugin/rewrite: ", e);
            ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
        }
    }

    /** CoreDNS: SERVFAIL plus an error, with the client's question (here: its whole request) kept. */
    private static int invalid(Exchange ex, Session s) {
        String bad = s.out.toString();
        if (s.touched()) {
            ExpandableDirectByteBuffer st = ex.scratch();
            RequestEditor.restore(ex, st, ExchangeState.origOffset(st), ExchangeState.origLength(st));
        }
        ex.error("plugin/rewrite: invalid name after rewrite: " + bad);
        return DnsHeader.RCODE_SERVFAIL;
    }

    @Override
    public void onResponse(Exchange ex) {
        ExpandableDirectByteBuffer st = ex.scratch();
        ExpandableDirectByteBuffer response = ex.response();
        int length = ex.responseLength();
        boolean textual = textual(st);
        if (textual && length > 0) {
            byte[] wire = new byte[length];
            response.getBytes(0, wire);
            byte[] mapped = TextAnswers.apply(rules, st, wire);
            if (mapped != null) {
                response.putBytes(0, mapped);
                length = mapped.length;
            }
        }
        int build = ExchangeState.auxEnd(st);
        int rebuilt = -1;
        if (length > 0) {
            ReplyRewriter rewriter = ReplyRewriter.POOL.borrow();
            rebuilt = rewriter.rewrite(rules, st, !textual, response, length, st, build);
            ReplyRewriter.POOL.giveBack(rewriter);
        }
        RequestEditor.restore(ex, st, ExchangeState.origOffset(st), ExchangeState.origLength(st));
        if (rebuilt < 0) {
            // Nothing usable came back: a bare SERVFAIL for the client's own question.
            ex.responseLength(Math.max(0, ReplyWriter.writeRcode(ex.query(), ex.request(), response, 0,
                    response.capacity(), DnsHeader.RCODE_SERVFAIL)));
            return;
        }
        response.putBytes(0, st, build, rebuilt);
        ex.responseLength(rebuilt);
    }

    private boolean textual(ExpandableDirectByteBuffer st) {
        for (int i = 0, n = ExchangeState.entryCount(st); i < n; i++) {
            if (rules[ExchangeState.rule(st, i)] instanceof NameRule r && r.textual) {
                return true;
            }
        }
        return false;
    }

}
