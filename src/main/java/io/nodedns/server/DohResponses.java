package io.nodedns.server;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.util.Callback;

/**
 * {@code coredns_dns_https_responses_total{server, status}} of one https:// listener, as CoreDNS's
 * core/dnsserver/server_https.go counts its replies (vars.HTTPSResponsesCount, labelled with the
 * server's address such as {@code https://:443}): each status a DoH request is answered with, read
 * off the reply head Jetty sends ({@link #wrap}), so replies Jetty writes for a request itself (an
 * exception in the handler) count too. A table sized to the statuses seen (a handful), looked up
 * without allocating.
 */
final class DohResponses {
    /** Without {@code _total}, which the exposition adds. */
    static final String NAME = "coredns_dns_https_responses";
    private static final String HELP = "Counter of DoH responses per server and http status code.";

    private record Status(int code, String label, LongAdder count) {
    }

    private volatile Status[] statuses = new Status[0];

    /** The request's stream, counting the status of its reply head (not 1xx interim ones, which CoreDNS does not count). */
    HttpStream wrap(HttpStream stream) {
        return new HttpStream.Wrapper(stream) {
            @Override
            public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content,
                    Callback callback) {
                if (response != null && response.getStatus() >= 200) {
                    count(response.getStatus());
                }
                super.send(request, response, last, content, callback);
            }
        };
    }

    void count(int code) {
        for (Status s : statuses) {
            if (s.code == code) {
                s.count.increment();
                return;
            }
        }
        added(code).count.increment();
    }

    private synchronized Status added(int code) {
        Status[] now = statuses;
        for (Status s : now) {
            if (s.code == code) {
                return s; // another request added it meanwhile
            }
        }
        Status s = new Status(code, Integer.toString(code), new LongAdder());
        Status[] next = java.util.Arrays.copyOf(now, now.length + 1);
        next[now.length] = s;
        statuses = next;
        return s;
    }

    void collect(MetricSource.Sink out, String server) {
        for (Status s : statuses) {
            out.counter(NAME, HELP, s.count.sum(), "server", server, "status", s.label);
        }
    }
}
