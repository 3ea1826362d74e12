package io.nodedns.plugin.prometheus;

import io.nodedns.Version;
import io.nodedns.server.ReloadFailures;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.function.Consumer;

/**
 * The process's metric families with CoreDNS's names, labels and buckets (CoreDNS plugin/metrics), created once
 * and kept across reloads so counters never reset. Plugins' series come in through
 * {@link MetricSources}.
 */
public final class DnsMetrics {
    static final double[] SIZE_BUCKETS = {0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3};

    static {
        // The client's settings are read once, in PrometheusProperties' static initializer, which
        // also looks for a prometheus.properties resource through the context class loader. nodedns
        // ships none, and the search walked every module of the runtime image: 0.15 s of the main
        // thread before the first answer (docs/operations.md "Start-up and JVM flags"). So it is
        // initialized here with a loader that has no resources; the file named by
        // -Dprometheus.config, system properties and the environment still apply.
        Thread thread = Thread.currentThread();
        ClassLoader saved = thread.getContextClassLoader();
        thread.setContextClassLoader(new ClassLoader(null) {
            @Override
            public java.io.InputStream getResourceAsStream(String name) {
                return null;
            }
        });
        try {
            PrometheusProperties.get();
        } finally {
            thread.setContextClassLoader(saved);
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests;
    final Histogram duration;
    final Histogram requestSize;
    final Histogram responseSize;
    final Counter doRequests;
    final Counter responses;
    final Counter panics;
    final Gauge pluginEnabled;
    /** Whether the {@code jvm_*} and {@code process_*} families are registered yet (first scrape). */
    private boolean runtimeRegistered;
    /** The finer JVM families of {@code runtime_metrics}, registered on the first scrape that wants them. */
    private final PrometheusRegistry detailedRegistry = new PrometheusRegistry();
    private boolean detailedRegistered;
    private volatile boolean runtimeMetrics;

    public DnsMetrics(io.nodedns.server.Shared shared) {
        requests = Counter.builder().name("coredns_dns_requests_total")
                .help("Counter of DNS requests made per zone, protocol and family.")
                .labelNames("server", "zone", "view", "proto", "family", "type").withoutExemplars().register(registry);
        duration = Histogram.builder().name("coredns_dns_request_duration_seconds")
                .help("Histogram of the time (in seconds) each request took per zone.")
                .labelNames("server", "zone", "view").classicOnly()
                .classicUpperBounds(io.nodedns.server.MetricSource.TIME_BUCKETS)
                .withoutExemplars().register(registry);
        requestSize = Histogram.builder().name("coredns_dns_request_size_bytes")
                .help("Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.")
                .labelNames("server", "zone", "view", "proto").classicOnly().classicUpperBounds(SIZE_BUCKETS)
                .withoutExemplars().register(registry);
        responseSize = Histogram.builder().name("coredns_dns_response_size_bytes")
                .help("Size of the returned response in bytes.")
                .labelNames("server", "zone", "view", "proto").classicOnly().classicUpperBounds(SIZE_BUCKETS)
                .withoutExemplars().register(registry);
        doRequests = Counter.builder().name("coredns_dns_do_requests_total")
                .help("Counter of DNS requests with DO bit set per zone.")
                .labelNames("server", "zone", "view").withoutExemplars().register(registry);
        responses = Counter.builder().name("coredns_dns_responses_total").help("Counter of response status codes.")
                .labelNames("server", "zone", "view", "rcode", "plugin").withoutExemplars().register(registry);
        panics = Counter.builder().name("coredns_panics_total").help("A metrics that counts the number of panics.")
                .withoutExemplars().register(registry);
        pluginEnabled = Gauge.builder().name("coredns_plugin_enabled")
                .help("A metric that indicates whether a plugin is enabled on per server and zone basis.")
                .labelNames("server", "zone", "view", "name").register(registry);
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("coredns_reload_version_info")
                .help("A metric with a constant '1' value labeled by hash, and value which type of hash generated.")
                .labelNames("hash", "value").callback(cb -> {
                    String digest = shared.configDigest();
                    if (!digest.isEmpty()) {
                        cb.call(1, "sha512", digest);
                    }
                }).register(registry);
        CounterWithCallback.builder().name("coredns_reload_failed_total")
                .help("Counter of the number of failed reload attempts.")
                .callback(cb -> cb.call(ReloadFailures.count())).register(registry);
        Gauge.builder().name("coredns_build_info").help(
                "A metric with a constant '1' value labeled by version, revision, and goversion from which CoreDNS was built.")
                .labelNames("version", "revision", "goversion").register(registry)
                .labelValues(Version.get(), "nodedns", "java" + Runtime.version().feature()).set(1);
    }

    /**
     * Every family, for {@code /metrics}. The runtime families are registered here on the first
     * scrape, not at start: they start JMX (the platform MBean server and its beans), which took
     * 0.2-0.3 s of the main thread before the first answer (docs/operations.md "Start-up and JVM
     * flags") and nothing reads them before a scrape. Always: the counterpart of the Go client's
     * default collectors that CoreDNS always serves (process, memory, threads, GC, runtime
     * version); with {@code runtime_metrics} also the finer JVM series (buffer pools, allocation
     * per memory pool, class loading, JIT compilation, native memory when tracking is on).
     */
    public MetricSnapshots scrape() {
        boolean detailed = runtimeMetrics;
        synchronized (this) {
            if (!runtimeRegistered) {
                RuntimeFamilies.ALWAYS.forEach(register -> register.accept(registry));
                runtimeRegistered = true;
            }
            if (detailed && !detailedRegistered) {
                RuntimeFamilies.FINER.forEach(register -> register.accept(detailedRegistry));
                detailedRegistered = true;
            }
        }
        MetricSnapshots all = registry.scrape();
        if (!detailed) {
            return all;
        }
        MetricSnapshots.Builder both = MetricSnapshots.builder();
        all.forEach(both::metricSnapshot);
        detailedRegistry.scrape().forEach(both::metricSnapshot);
        return both.build();
    }

    /** {@code runtime_metrics} in the configuration now serving (set by each start, so a reload can turn it off). */
    void runtimeMetrics(boolean on) {
        runtimeMetrics = on;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** The runtime families' registrations, in a holder so their lambdas are spun at the first scrape, not at start. */
    private static final class RuntimeFamilies {
        /** The JVM counterpart of the Go client's default collectors, which CoreDNS always serves. */
        static final List<Consumer<PrometheusRegistry>> ALWAYS = List.of(r -> ProcessMetrics.builder().register(r),
                r -> JvmMemoryMetrics.builder().register(r), r -> JvmThreadsMetrics.builder().register(r),
                r -> JvmGarbageCollectorMetrics.builder().register(r), r -> JvmRuntimeInfoMetric.builder().register(r));
        /** What {@code runtime_metrics} adds. */
        static final List<Consumer<PrometheusRegistry>> FINER = List.of(r -> JvmBufferPoolMetrics.builder().register(r),
                r -> JvmMemoryPoolAllocationMetrics.builder().register(r),
                r -> JvmClassLoadingMetrics.builder().register(r),
                r -> JvmCompilationMetrics.builder().register(r), r -> JvmNativeMemoryMetrics.builder().register(r));
    }
}
