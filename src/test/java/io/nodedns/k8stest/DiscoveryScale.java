package io.nodedns.k8stest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.k8stest.KubeObjects.Endpoint;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.plugin.multicluster.MulticlusterSetup;
import io.nodedns.server.Handler;
import io.nodedns.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the discovery scale and churn figures share (bench/discovery-scale.sh, bench/discovery-churn.sh):
 * N Services (kubernetes: half ClusterIP, half headless, one EndpointSlice each) or N ServiceImports
 * (multicluster: half ClusterSetIP, half headless, one EndpointSlice per exporting cluster) in 100
 * namespaces, 2 endpoints per slice, in a stand-in API server; nodedns serving them; percentiles.
 */
public final class DiscoveryScale {
    public static final int NAMESPACES = 100;
    public static final Port HTTP = new Port("http", "TCP", 80);

    private DiscoveryScale() {}

    public static String ns(int i) {
        return "ns" + (i % NAMESPACES);
    }

    /** {@code prefix.x.y.host}, where x.y are service i's low 16 bits. */
    public static String ip(int prefix, int i, int host) {
        return prefix + "." + (i >> 8 & 255) + "." + (i & 255) + "." + host;
    }

    /** Service i's slice from {@code cluster} (multicluster) at write {@code generation}: each generation's addresses differ. */
    public static JsonObject slice(boolean multicluster, int i, int cluster, int generation) {
        List<Endpoint> eps = List.of(Endpoint.ready(ip(20 + cluster, i, 1 + generation % 100)),
                Endpoint.ready(ip(20 + cluster, i, 101 + generation / 100 % 100)));
        if (multicluster) {
            return KubeObjects.endpointSlice(ns(i), "svc" + i + "-c" + cluster, Map.of(KubeObjects.MCS_SERVICE_NAME,
                    "svc" + i, KubeObjects.MCS_SOURCE_CLUSTER, "c" + cluster), "IPv4", eps, HTTP);
        }
        return KubeObjects.endpointSlice(ns(i), "svc" + i + "-a", Map.of(KubeObjects.SERVICE_NAME, "svc" + i),
                "IPv4", eps, HTTP);
    }

    /** Creates the namespaces and {@code services} Services, or ServiceImports exported by {@code clusters} clusters. */
    public static void populate(StandInApiServer api, boolean multicluster, int services, int clusters) {
        for (int n = 0; n < NAMESPACES; n++) {
            api.create(KubeObjects.namespace("ns" + n));
        }
        for (int i = 0; i < services; i++) {
            boolean headless = i % 2 == 1;
            if (multicluster) {
                api.create(
                        KubeObjects.serviceImport("v1beta1", ns(i), "svc" + i, headless ? "Headless" : "ClusterSetIP",
                                headless ? List.of() : List.of(ip(10, i, 1)), HTTP));
                for (int c = 0; c < clusters; c++) {
                    api.create(slice(true, i, c, 0));
                }
            } else {
                api.create(KubeObjects.service(ns(i), "svc" + i, headless ? "None" : ip(10, i, 1), HTTP));
                api.create(slice(false, i, 0, 0));
            }
        }
    }

    /** A stand-in API server that serves ServiceImports (v1beta1) and keeps enough history for a churn. */
    public static StandInApiServer apiServer() throws Exception {
        return StandInApiServer.builder().serviceImportVersions("v1beta1").historySize(1000).start();
    }

    /** nodedns on 127.0.0.1:{@code port} with {@code plugin zone} reading {@code api} (kubeconfig written in {@code dir}). */
    public static TestServer serve(StandInApiServer api, Path dir, int port, String plugin, String zone)
            throws Exception {
        Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
        String corefile = ".:" + port + " {\n bind 127.0.0.1\n " + plugin + " " + zone + " {\n  kubeconfig " + kc
                + "\n }\n}\n";
        return TestServer.fromText(corefile, TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of()))
                .register("multicluster", new MulticlusterSetup(Map.of())));
    }

    /** The block's discovery backend once it has synced within {@code timeout}. */
    public static DiscoveryBackend syncedBackend(TestServer server, Duration timeout) throws InterruptedException {
        DiscoveryBackend b = handler(server).backend();
        assertTrue(b.awaitSynced(timeout), "synced");
        return b;
    }

    public static DiscoveryHandler handler(TestServer server) {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof DiscoveryHandler d) {
                return d;
            }
        }
        throw new AssertionError("no discovery handler");
    }

    /** The p-th percentile of sorted nanoseconds, in milliseconds. */
    public static double pct(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)] / 1e6;
    }
}
