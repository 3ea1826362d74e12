package io.nodedns.plugin.ready;

import io.nodedns.server.HttpEndpoints;
import io.nodedns.server.HttpExchange;
import io.nodedns.server.HttpHandler;
import io.nodedns.server.Readiness;
import io.nodedns.server.Shared;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** Answers /ready from the readiness of the plugins in the block (CoreDNS plugin/ready). */
final class ReadyHandler implements HttpHandler {
    private final List<List<Readiness>> blocks = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Shared shared;
    private final boolean continuously;
    private final Set<Readiness> seenReady = ConcurrentHashMap.newKeySet();

    ReadyHandler(Shared shared, boolean continuously) {
        this.shared = shared;
        this.continuously = continuously;
    }

    /** Adds one block's (live) list of readiness reporters. */
    void add(List<Readiness> blockPlugins) {
        blocks.add(blockPlugins);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (shared.shuttingDown()) {
            HttpEndpoints.reply(exchange, 503, "Shutting down");
            return;
        }
        String problem = shared.servingProblem();
        if (problem != null) {
            HttpEndpoints.reply(exchange, 503, problem);
            return;
        }
        TreeSet<String> notReady = new TreeSet<>();
        for (List<Readiness> plugins : blocks) {
            for (Readiness r : plugins) {
                if (!continuously && seenReady.contains(r)) {
                    continue;
                }
                if (r.ready()) {
                    seenReady.add(r);
                } else {
                    notReady.add(r.readinessName());
                }
            }
        }
        if (notReady.isEmpty()) {
            HttpEndpoints.reply(exchange, 200, "OK");
        } else {
            HttpEndpoints.reply(exchange, 503, String.join(",", notReady));
        }
    }
}
