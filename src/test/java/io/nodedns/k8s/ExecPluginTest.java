package io.nodedns.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiClient;
import io.nodedns.k8stest.Authn;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.k8stest.TestPki;
import io.nodedns.testing.Unmeasured;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * client-go credential plugins against the TLS stand-in: a small script (path relative to the
 * kubeconfig) prints the ExecCredential the test wrote for it and counts its runs, so each test can
 * tell how often the plugin ran: once while the credential is valid (shared by every client of the
 * kubeconfig), again when it expires or the server answers 401.
 */
@Timeout(60)
@Unmeasured
class ExecPluginTest {
    static final TestPki PKI = TestPki.get();
    static final Authn AUTHN = new Authn().clientCertificates();
    @RegisterExtension
    static final StandInCluster standIn = KubeClients.credentialsCluster(AUTHN);

    @TempDir
    Path dir;

    /** Writes the plugin and a kubeconfig using it; returns the kubeconfig. */
    Path plugin(String apiVersion, boolean clusterInfo) throws Exception {
        Path kube = Files.createDirectories(dir.resolve("kube"));
        Path script = kube.resolve("bin/plugin.sh");
        Files.createDirectories(script.getParent());
        Files.writeString(script, """
                #!/bin/sh
                echo run >> "$RUNS"
                printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO"
                if [ -s "$FAIL" ]; then cat "$FAIL" >&2; exit 3; fi
                cat "$OUT"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Map<String, Object> exec = new java.util.LinkedHashMap<>();
        exec.put("apiVersion", apiVersion);
        exec.put("command", "./bin/plugin.sh");
        exec.put("env", List.of(Map.of("name", "RUNS", "value", kube.resolve("runs").toString()),
                Map.of("name", "INFO", "value", kube.resolve("info").toString()),
                Map.of("name", "FAIL", "value", kube.resolve("fail").toString()),
                Map.of("name", "OUT", "value", kube.resolve("out").toString())));
        exec.put("provideClusterInfo", clusterInfo);
        if (apiVersion.endsWith("/v1")) {
            exec.put("interactiveMode", "Never");
        }
        return KubeClients.writeKubeconfig(kube.resolve("config"), standIn.api().url(),
                KubeClients.trustedCa(), Map.of("exec", exec));
    }

    void prints(String apiVersion, Map<String, String> status) throws Exception {
        JsonObject s = new JsonObject();
        status.forEach(s::addProperty);
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", apiVersion);
        o.addProperty("kind", "ExecCredential");
        o.add("status", s);
        Files.writeString(dir.resolve("kube/out"), o.toString());
    }

    long runs() throws Exception {
        Path p = dir.resolve("kube/runs");
        return Files.exists(p) ? Files.readAllLines(p).size() : 0;
    }

    static String listAs(ApiClient client) throws Exception {
        return KubeClients.listAs(standIn.api(), client);
    }

    static ApiClient client(Path kubeconfig) throws Exception {
        return KubeClients.checkedClient(kubeconfig);
    }

    @Test
    void v1TokenIsCachedUntilItExpiresAndSharedByEveryClient() throws Exception {
        String v1 = Kubeconfig.EXEC_V1;
        Path kc = plugin(v1, true);
        AUTHN.token("tok-exec-v1", "frank");
        prints(v1, Map.of("token", "tok-exec-v1", "expirationTimestamp", Instant.now().plusSeconds(3600).toString()));
        assertEquals(0, runs(), "setup must not run the plugin");
        ApiClient a = client(kc);
        ApiClient b = client(kc); // another watcher of the same kubeconfig
        assertEquals("frank", listAs(a));
        assertEquals("frank", listAs(b));
        assertEquals("frank", listAs(a));
        assertEquals(1, runs());
        String info = Files.readString(dir.resolve("kube/info"));
        assertTrue(info.contains("\"apiVersion\":\"" + v1 + "\"") && info.contains("\"interactive\":false")
                && info.contains("\"server\":\"" + standIn.api().url() + "\"")
                && info.contains("certificate-authority-data"),
                info);
    }

    @Test
    void v1beta1ExpiredTokenRunsThePluginAgain() throws Exception {
        String beta = Kubeconfig.EXEC_V1BETA1;
        Path kc = plugin(beta, false);
        AUTHN.token("tok-exec-beta", "grace");
        prints(beta, Map.of("token", "tok-exec-beta", "expirationTimestamp", Instant.now().plusSeconds(2).toString()));
        ApiClient a = client(kc);
        assertEquals("grace", listAs(a));
        assertEquals("grace", listAs(a));
        assertEquals(2, runs(), "a token within 10 s of its expiry is refreshed before use");
        assertTrue(!Files.readString(dir.resolve("kube/info")).contains("cluster"), "no cluster info unless asked");
    }

    @Test
    void a401RunsThePluginAgainAndRetries() throws Exception {
        String v1 = Kubeconfig.EXEC_V1;
        Path kc = plugin(v1, false);
        AUTHN.token("tok-401-a", "heidi");
        prints(v1, Map.of("token", "tok-401-a")); // no expiry: valid until the server says otherwise
        ApiClient a = client(kc);
        assertEquals("heidi", listAs(a));
        AUTHN.token("tok-401-b", "heidi").revoke("tok-401-a");
        prints(v1, Map.of("token", "tok-401-b"));
        assertEquals("heidi", listAs(a));
        assertEquals(2, runs());
        assertEquals(List.of(401, 200),
                standIn.api().requests().stream().map(r -> r.user() == null ? 401 : 200).toList());
    }

    @Test
    void v1beta1ClientCertificateFromThePlugin() throws Exception {
        String beta = Kubeconfig.EXEC_V1BETA1;
        Path kc = plugin(beta, false);
        TestPki.Identity bob = PKI.ecClient();
        prints(beta, Map.of("clientCertificateData", bob.certPem(), "clientKeyData", bob.traditionalPem(),
                "expirationTimestamp", Instant.now().plusSeconds(3600).toString()));
        ApiClient a = client(kc);
        assertEquals("bob", listAs(a));
        assertEquals("bob", listAs(a));
        assertEquals(1, runs());
    }

    @Test
    void aFailingPluginNamesItselfTheUserAndTheKubeconfig() throws Exception {
        String v1 = Kubeconfig.EXEC_V1;
        Path kc = plugin(v1, false);
        Files.writeString(dir.resolve("kube/fail"), "token expired, run: login\n");
        Exception e = assertThrows(Exception.class, () -> listAs(client(kc)));
        String m = ApiErrors.brief(e);
        assertTrue(m.contains("exec plugin '" + dir.resolve("kube/bin/plugin.sh") + "' of user '" + KubeClients.CONTEXT
                + "' in kubeconfig " + kc + ": exit status 3: token expired, run: login"), m);
    }
}
