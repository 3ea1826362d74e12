package io.nodedns;

import io.nodedns.config.GoDuration;
import io.nodedns.plugin.bind.IpLiteral;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * node-cache's command line (kubernetes/dns cmd/node-cache), so the official DaemonSet's args
 * work unchanged. Present only when {@code -localip} is given; null otherwise.
 */
record NodeCacheFlags(List<String> localIps, String interfaceName, boolean setupInterface, boolean setupIptables,
        boolean skipTeardown, Duration syncInterval, Path baseCorefile, String upstreamSvc, int healthPort,
        String metricsListenAddress, Path lockDir, Path kubeDnsConfigMap, Path corefile, boolean reloadWithSignal,
        Duration configPeriod) {

    static final Path DEFAULT_CONF = Path.of("/etc/Corefile");
    /** node-cache's DefaultKubednsCMPath: used when -kubednscm is not given and the directory exists. */
    static final Path DEFAULT_KUBE_DNS_CM = Path.of("/etc/kube-dns");
    /** node-cache checks both mounted ConfigMaps every 10 s (DefaultConfigSyncPeriod, kube-dns's --config-period). */
    static final Duration DEFAULT_CONFIG_PERIOD = Duration.ofSeconds(10);

    /** The file rendered and served: -conf, else -corefile, else /etc/Corefile (node-cache lets -conf win). */
    Path target(String conf) {
        if (conf != null && corefile != null && !Path.of(conf).equals(corefile)) {
            throw new IllegalArgumentException(
                    "-corefile " + corefile + " and -conf " + conf + " name different files: node-cache "
                            + "renders into -conf and ignores -corefile then; give one of them");
        }
        return conf != null ? Path.of(conf) : corefile != null ? corefile : DEFAULT_CONF;
    }

    /** Collects flag values while parsing; validation happens in {@link #build()}. */
    static final class Builder {
        private final java.util.Map<String, Object> values = new java.util.HashMap<>();

        void set(String name, Object value) {
            values.put(name, value);
        }

        private String text(String name, String fallback) {
            Object v = values.get(name);
            return v == null ? fallback : (String) v;
        }

        private boolean bool(String name, boolean fallback) {
            Object v = values.get(name);
            return v == null ? fallback : (Boolean) v;
        }

        NodeCacheFlags build() {
            if (!values.containsKey("localip")) {
                return null;
            }
            List<String> ips = new ArrayList<>();
            for (String part : text("localip", "").split(",")) {
                String ip = IpLiteral.normalize(part.strip());
                if (ip == null || ip.indexOf('%') >= 0) {
                    throw new IllegalArgumentException("invalid localip \"" + text("localip", "") + "\": '" + part
                            + "' is not an IP address");
                }
                ips.add(ip);
            }
            int health;
            try {
                health = Integer.parseInt(text("health-port", "8080"));
                if (health < 1 || health > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "invalid value \"" + text("health-port", "") + "\" for flag -health-port");
            }
            String lock = text("lockdir", "/run/nodedns");
            return new NodeCacheFlags(List.copyOf(ips), text("interfacename", "nodelocaldns"),
                    bool("setupinterface", true),
                    bool("setupiptables", true), bool("skipteardown", false), syncInterval(text("syncinterval", "60")),
                    Path.of(text("basecorefile", "/etc/coredns/Corefile.base")), text("upstreamsvc", "kube-dns"),
                    health,
                    text("metrics-listen-address", "0.0.0.0:9353"), lock.equals("none") ? null : Path.of(lock),
                    kubeDnsConfigMap(text("kubednscm", "")),
                    values.containsKey("corefile") ? Path.of(text("corefile", "")) : null,
                    bool("reloadwithsignal", false), configPeriod(text("config-period", "10s")));
        }

        /** node-cache: an empty -kubednscm means /etc/kube-dns if that exists, else no kube-dns ConfigMap. */
        private static Path kubeDnsConfigMap(String flag) {
            if (!flag.isEmpty()) {
                return Path.of(flag);
            }
            return java.nio.file.Files.isDirectory(DEFAULT_KUBE_DNS_CM) ? DEFAULT_KUBE_DNS_CM : null;
        }

        static Duration configPeriod(String text) {
            return durationFlag("config-period", text);
        }

        /** node-cache multiplies the flag's value by one second: "60" and "60ns" both mean 60 s there. */
        static Duration syncInterval(String text) {
            if (text.matches("[0-9]{1,9}(ns)?")) {
                return Duration.ofSeconds(Long.parseLong(text.replace("ns", "")));
            }
            return durationFlag("syncinterval", text);
        }

        /** A Go duration of at least 100ms (docs/plugins/nodecache.md). */
        private static Duration durationFlag(String flag, String text) {
            try {
                Duration d = GoDuration.parse(text);
                if (d.compareTo(Duration.ofMillis(100)) < 0) {
                    throw new IllegalArgumentException("below 100ms");
                }
                return d;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "invalid value \"" + text + "\" for flag -" + flag + ": " + e.getMessage());
            }
        }
    }
}
