package io.nodedns.plugin.nodecache;

import io.nodedns.log.Log;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** {@code coredns_nodecache_setup_errors_total{errortype}} with node-cache's labels, all present from the start. */
final class SetupErrorCounts {
    static final String[] TYPES = {"iptables", "iptables_lock", "interface_add", "interface_check", "configmap"};

    private final Map<String, LongAdder> counts = new LinkedHashMap<>();

    SetupErrorCounts() {
        for (String type : TYPES) {
            counts.put(type, new LongAdder());
        }
    }

    /** Counts and logs one failure; the caller retries on its next pass. */
    void failed(String type, String message) {
        counts.get(type).increment();
        Log.error("nodecache", message);
    }

    long count(String type) {
        LongAdder adder = counts.get(type);
        return adder == null ? 0 : adder.sum();
    }

    long total() {
        long sum = 0;
        for (LongAdder adder : counts.values()) {
            sum += adder.sum();
        }
        return sum;
    }

    Map<String, LongAdder> all() {
        return counts;
    }
}
