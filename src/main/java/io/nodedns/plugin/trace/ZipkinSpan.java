package io.nodedns.plugin.trace;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/**
 * One finished {@code servedns} span with CoreDNS's tags, written as a Zipkin v2 JSON span
 * (zipkin-api's zipkin2-api.yaml): a root SERVER span whose id is its trace id, as zipkin-go makes them.
 */
record ZipkinSpan(long traceId, long timestampMicros, long durationMicros,
        String name, String type, String rcode, String proto, String remote, String error) {
    static final String SPAN_NAME = "servedns";

    static String hex(long id) {
        String h = Long.toHexString(id);
        return "0".repeat(16 - h.length()) + h;
    }

    void write(JsonWriter w, TraceConfig config) throws IOException {
        w.beginObject();
        w.name("traceId").value(hex(traceId));
        w.name("id").value(hex(traceId));
        w.name("name").value(SPAN_NAME);
        w.name("kind").value("SERVER");
        w.name("timestamp").value(timestampMicros);
        w.name("duration").value(Math.max(1, durationMicros)); // zipkin drops a 0 duration as absent
        w.name("localEndpoint").beginObject();
        w.name("serviceName").value(config.service());
        if (config.localHost() != null) {
            w.name(config.localHost().indexOf(':') >= 0 ? "ipv6" : "ipv4").value(config.localHost());
            w.name("port").value(config.localPort());
        }
        w.endObject();
        w.name("tags").beginObject();
        w.name("coredns.io/name").value(name);
        w.name("coredns.io/type").value(type);
        w.name("coredns.io/rcode").value(rcode);
        w.name("coredns.io/proto").value(proto);
        w.name("coredns.io/remote").value(remote);
        if (error != null) {
            w.name("error").value(error);
        }
        w.endObject();
        w.endObject();
    }
}
