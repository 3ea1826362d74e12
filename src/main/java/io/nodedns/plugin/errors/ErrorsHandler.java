package io.nodedns.plugin.errors;

import io.nodedns.log.Log;
import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.server.Lifecycle;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.xbill.DNS.Type;

/**
 * Logs the errors inner plugins report (CoreDNS plugin/errors):
 * {@code [ERROR] plugin/errors: RCODE QNAME QTYPE: TEXT}, or counts them under a consolidate
 * pattern and prints one summary per period.
 */
public final class ErrorsHandler extends HookHandler implements Lifecycle {
    private final List<Consolidator> consolidators = new ArrayList<>();
    private final boolean stacktrace;

    ErrorsHandler(ErrorsConfig config) {
        super("errors");
        for (ErrorsConfig.Consolidate c : config.consolidate()) {
            consolidators.add(new Consolidator(c.period(), Pattern.compile(c.regexp()), c.level(), c.showFirst()));
        }
        this.stacktrace = config.stacktrace();
    }

    @Override
    public void onResponse(Exchange ex) {
        String error = ex.error();
        if (error == null) {
            return;
        }
        for (Consolidator c : consolidators) {
            if (c.offer(error)) {
                return;
            }
        }
        int rcode = ex.responseLength() >= DnsHeader.LENGTH ? DnsHeader.rcode(ex.response(), 0) : 2;
        String qname = Names.toCoreDnsText(ex.request(), ex.query().qnameOffset(), ex.query().qnameLength())
                .toLowerCase(java.util.Locale.ROOT);
        String line = rcode + " " + qname + " " + Type.string(ex.query().qtype()) + ": " + error;
        Throwable failure = ex.failure();
        if (stacktrace && failure != null) {
            // CoreDNS's stacktrace appends the goroutine's stack to the recovered panic; ours is the
            // Java stack of the exception, in one log call so concurrent lines cannot interleave.
            line = Log.withStack(line, failure);
        }
        Log.error("errors", line);
    }

    @Override
    public void stop() {
        consolidators.forEach(Consolidator::stop); // a summary due after a reload is not printed
    }
}
