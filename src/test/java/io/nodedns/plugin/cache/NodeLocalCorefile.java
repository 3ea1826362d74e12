package io.nodedns.plugin.cache;

import java.util.List;

/** The node-local-dns Corefile of deploy/nodelocaldns.yaml, for the cache tests that run it in a child JVM. */
final class NodeLocalCorefile {
    private NodeLocalCorefile() {}

    /**
     * The Corefile on 127.0.0.1:{@code port}, every block forwarding to {@code upstream} (host:port)
     * and exporting metrics on {@code metrics}; {@code extra} more blocks {@code stubN.example} with
     * {@code cache 30}. The `cluster.local` block's cache reads {@code clusterCache} (lines inside `cache { }`).
     */
    static String nodeLocal(int port, String upstream, int metrics, String clusterCache, int extra) {
        String common = """
                    reload
                    loop
                    bind 127.0.0.1
                """;
        StringBuilder b = new StringBuilder();
        b.append("cluster.local:").append(port).append(" {\n    errors\n    cache {\n").append(clusterCache)
                .append("    }\n")
                .append(common).append("    forward . ").append(upstream).append(" {\n        force_tcp\n    }\n")
                .append("    prometheus 127.0.0.1:").append(metrics).append("\n}\n");
        for (String zone : List.of("in-addr.arpa", "ip6.arpa")) {
            b.append(zone).append(':').append(port).append(" {\n    errors\n    cache 30\n").append(common)
                    .append("    forward . ").append(upstream).append(" {\n        force_tcp\n    }\n")
                    .append("    prometheus 127.0.0.1:").append(metrics).append("\n}\n");
        }
        b.append(".:").append(port).append(" {\n    errors\n    cache 30\n").append(common)
                .append("    forward . ").append(upstream).append("\n    prometheus 127.0.0.1:").append(metrics)
                .append("\n}\n");
        for (int i = 0; i < extra; i++) {
            b.append("stub").append(i).append(".example:").append(port).append(" {\n    errors\n    cache 30\n")
                    .append(common)
                    .append("    forward . ").append(upstream).append("\n}\n");
        }
        return b.toString();
    }

    /** The line (1-based) of the {@code n}-th (1-based) "cache" directive of a Corefile. */
    static int cacheLine(String corefile, int n) {
        String[] lines = corefile.split("\n", -1);
        for (int i = 0, seen = 0; i < lines.length; i++) {
            if (lines[i].trim().startsWith("cache") && ++seen == n) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("no cache directive " + n);
    }
}
