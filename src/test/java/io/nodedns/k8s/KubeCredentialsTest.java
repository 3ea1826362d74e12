package io.nodedns.k8s;

import static io.nodedns.k8stest.KubeClients.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.nodedns.k8stest.Authn;
import io.nodedns.k8stest.ConnectProxy;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.k8stest.TestPki;
import io.nodedns.testing.Unmeasured;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kubeconfig credential form against the TLS stand-in, through {@link KubeClientConfig#newClient()},
 * the one client kubeforward, kubernetes and multicluster share: the request must reach the server as the
 * expected user (the stand-in answers 401 to anything else). Setup errors name the file, entry and field.
 */
@Timeout(60)
@Unmeasured
class KubeCredentialsTest {
    static final TestPki PKI = TestPki.get();
    static final Authn AUTHN = new Authn().token("tok-carol", "carol").basic("dave", "s3cret").clientCertificates();
    @RegisterExtension
    static final StandInCluster standIn = KubeClients.credentialsCluster(AUTHN);

    @TempDir
    Path dir;

    Map<String, Object> ca() {
        return KubeClients.trustedCa();
    }

    /** Lists Services with a client from this kubeconfig; returns the user the stand-in authenticated. */
    static String listAs(Path kubeconfig) throws Exception {
        return listAs(KubeClients.checkedClient(kubeconfig));
    }

    static String listAs(ApiClient client) throws Exception {
        return KubeClients.listAs(standIn.api(), client);
    }

    Path kubeconfig(Map<String, ?> cluster, Map<String, ?> user) {
        return KubeClients.writeKubeconfig(dir.resolve("kube/config"), standIn.api().url(), cluster, user);
    }

    @Test
    void rsaPkcs1KeyAsData() throws Exception {
        TestPki.Identity id = PKI.rsaClient();
        assertTrue(id.traditionalPem().contains("BEGIN RSA PRIVATE KEY"));
        assertEquals("alice", listAs(kubeconfig(ca(), Map.of("client-certificate-data", b64(id.certPem()),
                "client-key-data", b64(id.traditionalPem())))));
    }

    @Test
    void rsaPkcs8KeyAsFilesRelativeToTheKubeconfig() throws Exception {
        TestPki.Identity id = PKI.rsaClient();
        Files.createDirectories(dir.resolve("kube/pki"));
        Files.writeString(dir.resolve("kube/pki/alice.crt"), id.certPem());
        Files.writeString(dir.resolve("kube/pki/alice.key"), id.pkcs8Pem());
        Files.writeString(dir.resolve("kube/pki/ca.crt"), PKI.caPem());
        assertEquals("alice", listAs(kubeconfig(Map.of("certificate-authority", "pki/ca.crt"),
                Map.of("client-certificate", "pki/alice.crt", "client-key", "pki/alice.key"))));
    }

    @Test
    void ecSec1KeyAsFile() throws Exception {
        TestPki.Identity id = PKI.ecClient();
        assertTrue(id.traditionalPem().contains("BEGIN EC PRIVATE KEY"));
        Files.createDirectories(dir.resolve("kube"));
        Files.writeString(dir.resolve("kube/bob.crt"), id.certPem());
        Files.writeString(dir.resolve("kube/bob.key"), id.traditionalPem());
        assertEquals("bob", listAs(kubeconfig(ca(), Map.of("client-certificate", "bob.crt", "client-key", "bob.key"))));
    }

    @Test
    void ecPkcs8KeyAsData() throws Exception {
        TestPki.Identity id = PKI.ecClient();
        assertEquals("bob", listAs(kubeconfig(ca(), Map.of("client-certificate-data", b64(id.certPem()),
                "client-key-data", b64(id.pkcs8Pem())))));
    }

    @Test
    void bearerToken() throws Exception {
        assertEquals("carol", listAs(kubeconfig(ca(), Map.of("token", "tok-carol"))));
    }

    @Test
    void usernameAndPassword() throws Exception {
        assertEquals("dave", listAs(kubeconfig(ca(), Map.of("username", "dave", "password", "s3cret"))));
    }

    @Test
    void tokenFileIsReadAgainWhenItChanges() throws Exception {
        Files.createDirectories(dir.resolve("kube"));
        Path token = dir.resolve("kube/token");
        Files.writeString(token, "tok-erin-1\n");
        AUTHN.token("tok-erin-1", "erin");
        KubeClientConfig config = new KubeClientConfig(kubeconfig(ca(), Map.of("tokenFile", "token")), null);
        ApiClient client = config.newClient();
        assertEquals("erin", listAs(client));
        AUTHN.token("tok-erin-2", "erin").revoke("tok-erin-1"); // the kubelet rotates a projected token
        Files.writeString(token, "tok-erin-2\n");
        Files.setLastModifiedTime(token, FileTime.from(Instant.now().plusSeconds(5)));
        assertEquals("erin", listAs(client), "the same client must send the new token");
    }

    @Test
    void insecureSkipTlsVerifyAndTheSystemTrustStore() throws Exception {
        assertEquals("carol",
                listAs(kubeconfig(Map.of("insecure-skip-tls-verify", true), Map.of("token", "tok-carol"))));
        Path noCa = kubeconfig(Map.of(), Map.of("token", "tok-carol"));
        Exception e = assertThrows(Exception.class, () -> listAs(noCa));
        assertTrue(String.valueOf(e.getCause()).contains("SSLHandshakeException")
                || String.valueOf(e).contains("PKIX"), String.valueOf(e));
    }

    @Test
    void tlsServerNameIsSentInSniAndChecked() throws Exception {
        Map<String, Object> cluster = new LinkedHashMap<>(ca());
        cluster.put("tls-server-name", TestPki.SERVER_NAME);
        assertEquals("carol", listAs(kubeconfig(cluster, Map.of("token", "tok-carol"))));
        assertEquals(TestPki.SERVER_NAME, standIn.api().requests().getLast().serverName());
        cluster.put("tls-server-name", "other.test"); // not in the certificate: refused like kubectl does
        Path wrong = kubeconfig(cluster, Map.of("token", "tok-carol"));
        Exception e = assertThrows(Exception.class, () -> listAs(wrong));
        assertTrue(String.valueOf(e.getCause()).contains("SSLPeerUnverifiedException"), String.valueOf(e.getCause()));
    }

    @Test
    void proxyUrlTunnelsThroughAnHttpProxyWithItsCredentials() throws Exception {
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("pxuser:px pass".getBytes());
        try (ConnectProxy proxy = new ConnectProxy(basic)) {
            Map<String, Object> cluster = new LinkedHashMap<>(ca());
            cluster.put("proxy-url", "http://pxuser:px%20pass@127.0.0.1:" + proxy.port());
            assertEquals("carol", listAs(kubeconfig(cluster, Map.of("token", "tok-carol"))));
            List<ConnectProxy.Tunnel> t = proxy.tunnels();
            assertEquals("127.0.0.1:" + standIn.api().port(), t.getLast().target());
            assertEquals(basic, t.getLast().authorization());
        }
    }

    @Test
    void disableCompressionAsksForIdentity() throws Exception {
        assertEquals("carol", listAs(kubeconfig(ca(), Map.of("token", "tok-carol"))));
        assertEquals("gzip", standIn.api().requests().getLast().acceptEncoding());
        Map<String, Object> cluster = new LinkedHashMap<>(ca());
        cluster.put("disable-compression", true);
        assertEquals("carol", listAs(kubeconfig(cluster, Map.of("token", "tok-carol"))));
        assertEquals("identity", standIn.api().requests().getLast().acceptEncoding());
    }

    @Test
    void aClientCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        TestPki.Identity id = PKI.rogueClient();
        Path kc = kubeconfig(ca(),
                Map.of("client-certificate-data", b64(id.certPem()), "client-key-data", b64(id.pkcs8Pem())));
        assertThrows(Exception.class, () -> listAs(kc));
    }

    @Test
    void noCredentialGets401WithTheServersMessage() throws Exception {
        ApiException e = assertThrows(ApiException.class, () -> listAs(kubeconfig(ca(), Map.of())));
        assertEquals(401, e.getCode());
        assertEquals("HTTP 401 Unauthorized: Unauthorized", ApiErrors.brief(e));
    }

    @Test
    void forbiddenNamesVerbResourceAndScope() throws Exception {
        standIn.api().forbid(r -> "carol".equals(r.user()));
        try {
            ApiException e = assertThrows(ApiException.class,
                    () -> listAs(kubeconfig(ca(), Map.of("token", "tok-carol"))));
            assertEquals("HTTP 403 Forbidden: services is forbidden: User \"carol\" cannot list resource \"services\""
                    + " in API group \"\" in the namespace \"default\"", ApiErrors.brief(e));
        } finally {
            standIn.api().clearFaults();
        }
    }

    // ---- setup errors: file, entry and field ----

    String setupError(Map<String, ?> cluster, Map<String, ?> user) {
        Path kc = kubeconfig(cluster, user);
        IOException e = assertThrows(IOException.class, () -> new KubeClientConfig(kc, null).check());
        assertTrue(e.getMessage().startsWith("kubeconfig " + kc.toAbsolutePath() + ": "), e.getMessage());
        return e.getMessage().substring(("kubeconfig " + kc.toAbsolutePath() + ": ").length());
    }

    @Test
    void unsupportedAndBrokenFieldsFailAtSetup() {
        String u = "user '" + KubeClients.CONTEXT + "': ";
        String c = "cluster '" + KubeClients.CONTEXT + "': ";
        assertTrue(setupError(ca(), Map.of("auth-provider", Map.of("name", "oidc", "config", Map.of())))
                .startsWith(u + "auth-provider 'oidc' is not supported"));
        assertEquals(c + "certificate-authority-data: not valid base64 (Last unit does not have enough valid bits)",
                setupError(Map.of("certificate-authority-data", "LS0tLS1CRUdJT"), Map.of()));
        assertTrue(setupError(Map.of("certificate-authority-data", b64("not a certificate")), Map.of())
                .startsWith(c + "certificate-authority-data: no PEM certificate"));
        assertTrue(setupError(ca(), Map.of("client-certificate-data", b64(PKI.rsaClient().certPem()),
                "client-key-data", b64(PKI.ecClient().pkcs8Pem())))
                .startsWith(u + "client-key-data: the private key does not belong"));
        assertTrue(setupError(ca(), Map.of("client-certificate-data", b64(PKI.rsaClient().certPem()),
                "client-key-data", b64("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")))
                .startsWith(u + "client-key-data: "));
        assertEquals(u + "client-certificate is set without client-key",
                setupError(ca(), Map.of("client-certificate-data", b64(PKI.rsaClient().certPem()))));
        assertEquals(u + "more than one authentication method: token, username/password",
                setupError(ca(), Map.of("token", "x", "username", "a", "password", "b")));
        assertEquals(u + "as: impersonation is not supported", setupError(ca(), Map.of("token", "x", "as", "admin")));
        assertEquals(u + "tokenfile: unknown or unsupported field", setupError(ca(), Map.of("tokenfile", "x")));
        assertEquals(c + "proxy-url: 'https://proxy:3128' is not a http or socks5 URL",
                setupError(Map.of("proxy-url", "https://proxy:3128"), Map.of()));
        assertEquals(u + "exec: apiVersion: 'client.authentication.k8s.io/v1alpha1' is not supported (use"
                + " client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1)",
                setupError(ca(),
                        Map.of("exec", Map.of("apiVersion", "client.authentication.k8s.io/v1alpha1", "command", "x"))));
        assertEquals(u + "exec: interactiveMode: required for client.authentication.k8s.io/v1",
                setupError(ca(),
                        Map.of("exec", Map.of("apiVersion", "client.authentication.k8s.io/v1", "command", "x"))));
        assertEquals(u + "tokenFile: cannot read " + dir.resolve("kube/missing"),
                setupError(ca(), Map.of("tokenFile", "missing")));
        assertEquals(c + "insecure-skip-tls-verify: set together with a certificate authority; use one of them",
                setupError(Map.of("insecure-skip-tls-verify", true, "certificate-authority-data", b64(PKI.caPem())),
                        Map.of()));
    }
}
