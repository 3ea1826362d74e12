package io.nodedns.plugin.trace;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.ResponseHook;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.Type;

/**
 * Traces one query in {@code every} (CoreDNS plugin/trace): a query not sampled costs one atomic
 * increment and allocates nothing. A sampled query gets a {@link Sampled} hook (allocated per
 * sampled query) that, once the reply is known, hands a {@code servedns} span to the reporter.
 */
final class TraceHandler extends ChainHandler {
    static final String METADATA_TRACE_ID = "trace/traceid";

    private final AtomicLong count = new AtomicLong();
    private final ZipkinReporter reporter;

    TraceHandler(ZipkinReporter reporter) {
        super("trace");
        this.reporter = reporter;
    }

    @Override
    public int serve(Exchange ex) {
        long every = reporter.config().every();
        // CoreDNS counts a query the server makes itself too, and traces it inside its client's span
        if (every == 0 || count.incrementAndGet() % every != 0 || ex.selfLookup()) {
            return next(ex);
        }
        Sampled span = new Sampled(reporter, ThreadLocalRandom.current().nextLong(), ZipkinReporter.nowMicros(),
                System.nanoTime());
        ex.addHook(span);
        if (ex.metadataOn()) {
            ex.metadata(METADATA_TRACE_ID, ZipkinSpan.hex(span.traceId));
        }
        return next(ex);
    }

    /** One sampled query's span, finished by the reply (hooks run after every later plugin's). */
    private record Sampled(ZipkinReporter reporter, long traceId, long startMicros,
            long startNanos) implements ResponseHook {
        @Override
        public void onResponse(Exchange ex) {
            long micros = (System.nanoTime() - startNanos) / 1000;
            var q = ex.query();
            String name = Names.toCoreDnsText(ex.request(), q.qnameOffset(), q.qnameLength()).toLowerCase(Locale.ROOT);
            int rcode = ex.responseLength() >= DnsHeader.LENGTH
                    ? DnsHeader.rcode(ex.response(), 0)
                    : DnsHeader.RCODE_SERVFAIL;
            reporter.report(
                    new ZipkinSpan(traceId, startMicros, micros, name, Type.string(q.qtype()),
                            DnsHeader.rcodeName(rcode),
                            ex.transport().label(), ex.client().ipText(), ex.error()));
        }
    }
}
