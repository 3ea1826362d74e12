package io.nodedns.plugin.kubernetes;

import static io.nodedns.testing.SetupErrors.assertFails;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.server.Instance;
import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corefile parsing of {@code kubernetes}: every option is accepted, every malformed line is a
 * ConfigException naming Corefile:line. Setup only (nothing is bound, no API server is contacted);
 * the options' effects over real sockets are in {@link KubernetesOptionsTest}.
 */
class KubernetesSetupTest {
    @TempDir
    static Path dir;
    static Path kubeconfig;

    @BeforeAll
    static void kubeconfig() {
        // setup reads the file and its context; nothing connects to this address during build
        kubeconfig = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), "http://127.0.0.1:" + FreePorts.udpAndTcp(),
                "default");
    }

    /** The block {@code cluster.local { kubernetes { kubeconfig F; <lines> } }}: the lines start at line 4. */
    static String block(String... lines) {
        StringBuilder b = new StringBuilder(
                "cluster.local {\n    kubernetes {\n        kubeconfig " + kubeconfig + "\n");
        for (String l : lines) {
            b.append("        ").append(l).append('\n');
        }
        return b.append("    }\n}\n").toString();
    }

    static PluginRegistry registry(Map<String, String> env) {
        return TestServer.registry().register("kubernetes", new KubernetesSetup(env));
    }

    static Instance build(String corefile, Map<String, String> env) throws ConfigException {
        return SetupErrors.build(corefile, registry(env));
    }

    @Test
    void everyOptionTogether() throws Exception {
        Instance i = SetupErrors.build(block("namespaces default kube-system", "namespaces other", "pods verified",
                "endpoint_pod_names", "noendpoints", "ttl 30", "fallthrough in-addr.arpa ip6.arpa",
                "startup_timeout 2s"));
        assertEquals(1, i.readiness().size(), "the plugin reports readiness");
    }

    @Test
    void eachOptionAlone() {
        for (String line : List.of("namespaces default", "pods disabled", "pods insecure", "pods verified",
                "endpoint_pod_names", "noendpoints", "ttl 0", "ttl 3600", "fallthrough", "fallthrough example.org",
                "startup_timeout 0s", "startup_timeout 1m30s", "startup_timeout 250ms", "apiserver_qps 0.5",
                "apiserver_burst 20", "apiserver_max_inflight 5", "ignore empty_service", "labels app=web")) {
            assertDoesNotThrow(() -> SetupErrors.build(block(line)), line);
        }
    }

    @Test
    void zonesOnTheLineOrFromTheServerBlock() {
        for (String corefile : List.of(
                "cluster.local in-addr.arpa ip6.arpa {\n kubernetes {\n  kubeconfig " + kubeconfig + "\n }\n}\n",
                ".:53 {\n kubernetes cluster.local in-addr.arpa ip6.arpa {\n  kubeconfig " + kubeconfig + "\n }\n}\n",
                ".:53 {\n kubernetes cluster.local 10.96.0.0/12 {\n  kubeconfig " + kubeconfig + "\n }\n}\n",
                // a reverse zone is fine as long as a forward zone comes with it, in any order
                ".:53 {\n kubernetes in-addr.arpa cluster.local {\n  kubeconfig " + kubeconfig + "\n }\n}\n")) {
            assertDoesNotThrow(() -> SetupErrors.build(corefile), corefile);
        }
    }

    @Test
    void kubeconfigWithAContext() throws Exception {
        Path two = dir.resolve("two-contexts.kubeconfig");
        java.nio.file.Files.writeString(two, """
                apiVersion: v1
                kind: Config
                clusters:
                - {name: a, cluster: {server: "http://127.0.0.1:1"}}
                - {name: b, cluster: {server: "http://127.0.0.1:2"}}
                contexts:
                - {name: first, context: {cluster: a, user: u}}
                - {name: second, context: {cluster: b, user: u}}
                current-context: first
                users:
                - {name: u, user: {token: abc}}
                """);
        assertDoesNotThrow(
                () -> SetupErrors.build("cluster.local {\n kubernetes {\n  kubeconfig " + two + " second\n }\n}\n"));
        assertFails("cluster.local {\n kubernetes {\n  kubeconfig " + two + " third\n }\n}\n", 2, "no context 'third'");
    }

    @Test
    void unknownAndMissingArguments() {
        assertFails(block("bogus 1"), 4, "plugin/kubernetes: unknown property 'bogus'");
        assertFails(block("pods"), 4, "Wrong argument count");
        assertFails(block("pods insecure verified"), 4, "Wrong argument count");
        assertFails(block("pods secure"), 4, "pods: invalid value 'secure' (want disabled, insecure or verified)");
        assertFails(block("namespaces"), 4, "Wrong argument count");
        assertFails(block("endpoint_pod_names yes"), 4, "Wrong argument count");
        assertFails(block("noendpoints yes"), 4, "Wrong argument count");
        assertFails(block("kubeconfig"), 4, "Wrong argument count");
        assertFails(block("kubeconfig a b c"), 4, "Wrong argument count");
        assertFails(block("ttl 5", "bogus"), 5, "unknown property 'bogus'");
    }

    @Test
    void ttlMustBeASmallNumber() {
        assertFails(block("ttl"), 4, "Wrong argument count");
        assertFails(block("ttl five"), 4, "plugin/kubernetes: ttl: not a number 'five'");
        assertFails(block("ttl 1.5"), 4, "plugin/kubernetes: ttl: not a number '1.5'");
        assertFails(block("ttl -1"), 4, "plugin/kubernetes: ttl must be in range [0, 3600]: -1");
        assertFails(block("ttl 3601"), 4, "plugin/kubernetes: ttl must be in range [0, 3600]: 3601");
        assertFails(block("ttl 5 10"), 4, "Wrong argument count");
    }

    @Test
    void startupTimeoutMustBeADuration() {
        assertFails(block("startup_timeout"), 4, "Wrong argument count");
        assertFails(block("startup_timeout soon"), 4, "plugin/kubernetes: startup_timeout:");
        assertFails(block("startup_timeout 5"), 4, "plugin/kubernetes: startup_timeout:");
        assertFails(block("startup_timeout -1s"), 4, "startup_timeout must not be negative");
        assertFails(block("startup_timeout 1s 2s"), 4, "Wrong argument count");
        assertFails(block("ignore"), 4, "Wrong argument count");
        assertFails(block("apiserver_qps"), 4, "Wrong argument count");
        assertFails(block("apiserver_qps fast"), 4, "plugin/kubernetes: invalid apiserver_qps \"fast\"");
        assertFails(block("apiserver_qps -1"), 4, "plugin/kubernetes: apiserver_qps must be >= 0");
        assertFails(block("apiserver_burst 1.5"), 4, "plugin/kubernetes: invalid apiserver_burst \"1.5\"");
        assertFails(block("apiserver_max_inflight -2"), 4, "plugin/kubernetes: apiserver_max_inflight must be >= 0");
        assertFails(block("apiserver_max_inflight 1 2"), 4, "Wrong argument count");
        assertFails(block("labels"), 4, "Wrong argument count");
        assertFails(block("labels app>1"), 4,
                "unable to parse label selector value: 'app>1': \">\" is not a valid label selector operator");
        assertFails(block("labels app in ()"), 4, "values set can't be empty");
        assertFails(block("labels app in (a"), 4, "expected ',' or ')'");
        assertFails(block("labels -app=x"), 4, "invalid label key '-app'");
        assertFails(block("labels Bad_Prefix/app=x"), 4, "the prefix must be a DNS subdomain");
        assertFails(block("labels app=x,"), 4, "invalid label key ''");
        assertFails(block("labels app=x y"), 4, "expected ','");
        assertFails(block("labels app=-x"), 4, "invalid label value '-x'");
        assertFails(block("labels app near (x)"), 4, "unknown operator 'near'");
        assertFails(block("namespace_labels team=a=b"), 4, "unable to parse namespace_label selector value");
        assertFails(block("ignore empty_services"), 4,
                "plugin/kubernetes: unable to parse ignore value: 'empty_services'");
        assertFails(block("ignore empty_service x"), 4, "Wrong argument count");
    }

    @Test
    void optionsOfCorednsNotImplementedAreRejectedByName() {
        // listed here, not read from KubernetesSetup.UNSUPPORTED, so dropping one from that set fails
        for (String line : List.of("multicluster clusterset.local", "zonal", "transfer to *")) {
            String option = line.split(" ")[0];
            assertFails(block("ttl 5", line), 5, "plugin/kubernetes: '" + option + "' is not supported yet");
        }
    }

    @Test
    void oncePerServerBlock() {
        assertFails("cluster.local {\n kubernetes {\n  kubeconfig " + kubeconfig + "\n }\n kubernetes\n}\n", 5,
                "plugin/kubernetes: this plugin can only be used once per Server Block");
    }

    @Test
    void reverseZonesAloneAreNotEnough() {
        String message = "plugin/kubernetes: needs at least one zone that is not a reverse zone";
        assertFails(".:53 {\n kubernetes in-addr.arpa ip6.arpa {\n  kubeconfig " + kubeconfig + "\n }\n}\n", 2,
                message);
        assertFails("in-addr.arpa ip6.arpa {\n\n kubernetes {\n  kubeconfig " + kubeconfig + "\n }\n}\n", 3, message);
        assertFails(".:53 {\n kubernetes 10.0.0.0/8 {\n  kubeconfig " + kubeconfig + "\n }\n}\n", 2, message);
    }

    @Test
    void clientConfigurationIsCheckedAtSetup() {
        Path absent = dir.resolve("absent.kubeconfig");
        ConfigException e = assertFails("cluster.local {\n kubernetes {\n  kubeconfig " + absent + "\n }\n}\n", 2,
                "plugin/kubernetes:");
        assertTrue(e.getMessage().contains("absent.kubeconfig"), e.getMessage());

        Path notYaml = dir.resolve("list.kubeconfig");
        assertDoesNotThrow(() -> java.nio.file.Files.writeString(notYaml, "- a\n- b\n"));
        assertFails("cluster.local {\n kubernetes {\n  kubeconfig " + notYaml + "\n }\n}\n", 2, "not a YAML mapping");

        // bad material and unsupported credentials name the plugin, the file, the entry and the field
        Path badCa = io.nodedns.k8stest.KubeClients.writeKubeconfig(dir.resolve("badca.kubeconfig"),
                "https://127.0.0.1:6443",
                Map.of("certificate-authority-data", "LS0tLS1CRUdJT"), Map.of());
        assertFails("cluster.local {\n kubernetes {\n  kubeconfig " + badCa + "\n }\n}\n", 2,
                "plugin/kubernetes: kubeconfig "
                        + badCa + ": cluster 'nodedns-standin': certificate-authority-data: not valid base64");
        Path oidc = io.nodedns.k8stest.KubeClients.writeKubeconfig(dir.resolve("oidc.kubeconfig"),
                "https://127.0.0.1:6443",
                Map.of(), Map.of("auth-provider", Map.of("name", "oidc")));
        assertFails("cluster.local {\n kubernetes {\n  kubeconfig " + oidc + "\n }\n}\n", 2,
                "plugin/kubernetes: kubeconfig "
                        + oidc + ": user 'nodedns-standin': auth-provider 'oidc' is not supported");

        // neither kubeconfig, a service account nor $KUBECONFIG: a setup error naming the directive's line
        assertFails(() -> build("cluster.local {\n\n kubernetes\n}\n", Map.of()), 3,
                "plugin/kubernetes: no Kubernetes client configuration");

        // $KUBECONFIG is read when the block names no file (first entry of the list)
        assertDoesNotThrow(() -> build("cluster.local {\n kubernetes\n}\n",
                Map.of("KUBECONFIG", kubeconfig + java.io.File.pathSeparator + absent)));
    }

    @Test
    void badZonesAreRejectedAtTheirLine() {
        assertFails(".:53 {\n kubernetes cluster.local\n kubernetes\n}\n", 3, "only be used once");
        assertFails(".:53 {\n kubernetes cluster..local {\n  kubeconfig " + kubeconfig + "\n }\n}\n", 2, "");
    }
}
