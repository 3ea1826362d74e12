package io.nodedns.plugin.kubernetes;

import static io.nodedns.k8stest.KubeClients.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.Authn;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.RecordedRequest;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.k8stest.TestPki;
import io.nodedns.plugin.kubeforward.KubeforwardSetup;
import io.nodedns.plugin.multicluster.MulticlusterSetup;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Each Kubernetes plugin, from its Corefile, against the TLS stand-in that requires a credential:
 * kubernetes with kubeadm's RSA PKCS#1 client certificate, multicluster with username/password,
 * kubeforward with an exec plugin. Every request the plugin makes must be authenticated.
 * (KubeCredentialsTest covers every form on the client the three share.)
 */
@Timeout(90)
class KubeCredentialsPluginTest {
    static final TestPki PKI = TestPki.get();

    @TempDir
    Path dir;
    StandInApiServer api;
    TestServer server;
    int port;

    @BeforeEach
    void startApi() {
        api = StandInApiServer.builder().tls().authn(new Authn().clientCertificates().basic("mc", "pw")
                .token("tok-kf", "kubeforward")).start();
        api.create(KubeObjects.namespace("default")); // names in a missing namespace do not exist
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        api.close();
    }

    Path kubeconfig(Map<String, ?> user) {
        return KubeClients.writeKubeconfig(dir.resolve("kube/config"), api.url(),
                Map.of("certificate-authority-data", b64(PKI.caPem())), user);
    }

    void start(String block) throws Exception {
        port = FreePorts.udpAndTcp();
        server = TestServer.fromText(".:" + port + " {\n bind 127.0.0.1\n" + block + "}\n",
                TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of()))
                        .register("multicluster", new MulticlusterSetup(Map.of()))
                        .register("kubeforward", new KubeforwardSetup(Map.of())));
    }

    Message ask(String name) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        try (DnsClient c = new DnsClient(port)) {
            while (true) {
                Message m = c.udp(DnsClient.query(name, Type.A));
                if (m != null && m.getRcode() == Rcode.NOERROR && !m.getSection(Section.ANSWER).isEmpty()
                        || System.nanoTime() > deadline) {
                    assertNotNull(m, "no reply for " + name);
                    return m;
                }
                Thread.sleep(50);
            }
        }
    }

    void allAuthenticatedAs(String user) {
        List<RecordedRequest> log = api.requests();
        assertTrue(!log.isEmpty());
        for (RecordedRequest r : log) {
            assertEquals(user, r.user(), r.path() + " " + r.query());
        }
    }

    @Test
    void kubernetesWithAnRsaPkcs1ClientCertificate() throws Exception {
        api.create(KubeObjects.service("default", "web", "10.96.0.10", new Port("http", "TCP", 80)));
        TestPki.Identity alice = PKI.rsaClient();
        Path kc = kubeconfig(Map.of("client-certificate-data", b64(alice.certPem()),
                "client-key-data", b64(alice.traditionalPem())));
        start(" kubernetes cluster.local {\n  kubeconfig " + kc + "\n }\n");
        Message m = ask("web.default.svc.cluster.local.");
        assertEquals("10.96.0.10", m.getSection(Section.ANSWER).getFirst().rdataToString(), m.toString());
        allAuthenticatedAs("alice");
    }

    @Test
    void kubernetesEndpointWithTlsClientCertificateAndCa() throws Exception {
        api.create(KubeObjects.service("default", "web", "10.96.0.10", new Port("http", "TCP", 80)));
        TestPki.Identity alice = PKI.rsaClient();
        Path cert = Files.writeString(dir.resolve("alice.crt"), alice.certPem());
        Path key = Files.writeString(dir.resolve("alice.key"), alice.pkcs8Pem());
        Path ca = Files.writeString(dir.resolve("ca.crt"), PKI.caPem());
        start(" kubernetes cluster.local {\n  endpoint " + api.url() + "\n  tls " + cert + " " + key + " " + ca
                + "\n }\n");
        Message m = ask("web.default.svc.cluster.local.");
        assertEquals("10.96.0.10", m.getSection(Section.ANSWER).getFirst().rdataToString(), m.toString());
        allAuthenticatedAs("alice");
    }

    @Test
    void malformedEndpointAndTls() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), PKI.caPem());
        Path notPem = Files.writeString(dir.resolve("cert.crt"), "not a certificate");
        String head = "cluster.local {\n kubernetes {\n  ";
        SetupErrors.assertFails(head + "tls a b c\n }\n}\n", 3, "tls needs endpoint");
        SetupErrors.assertFails(head + "endpoint https://127.0.0.1:6443\n  tls a b\n }\n}\n", 4,
                "Wrong argument count");
        SetupErrors.assertFails(head + "endpoint\n }\n}\n", 3, "Wrong argument count");
        SetupErrors.assertFails(head + "endpoint https://a:1 https://b:1\n }\n}\n", 3, "endpoint takes one URL");
        SetupErrors.assertFails(head + "endpoint 10.0.0.1:6443\n }\n}\n", 3, "endpoint: invalid URL '10.0.0.1:6443'");
        SetupErrors.assertFails(
                head + "endpoint http://127.0.0.1:8080\n  tls " + ca + " " + ca + " " + ca + "\n }\n}\n", 4,
                "tls needs an https endpoint");
        SetupErrors.assertFails(head + "endpoint https://127.0.0.1:6443\n  kubeconfig " + ca + "\n }\n}\n", 3,
                "endpoint and kubeconfig both name the API server");
        SetupErrors.assertFails(
                head + "endpoint https://127.0.0.1:6443\n  tls " + notPem + " " + ca + " " + ca + "\n }\n}\n", 4,
                notPem.toString());
    }

    @Test
    void multiclusterWithUsernameAndPassword() throws Exception {
        api.create(KubeObjects.serviceImport("v1alpha1", "default", "web", "ClusterSetIP", List.of("10.0.0.1"),
                new Port("http", "TCP", 80)));
        Path kc = kubeconfig(Map.of("username", "mc", "password", "pw"));
        start(" multicluster clusterset.local {\n  kubeconfig " + kc + "\n }\n");
        Message m = ask("web.default.svc.clusterset.local.");
        assertEquals("10.0.0.1", m.getSection(Section.ANSWER).getFirst().rdataToString(), m.toString());
        allAuthenticatedAs("mc");
    }

    @Test
    void kubeforwardWithAnExecPlugin() throws Exception {
        try (FakeUpstream up = FakeUpstream.start("127.0.0.2")) {
            api.create(KubeObjects.endpointSlice("kube-system", "kube-dns-1",
                    Map.of(KubeObjects.SERVICE_NAME, "kube-dns"),
                    "IPv4", List.of(KubeObjects.Endpoint.ready("127.0.0.2")), new Port("dns", "UDP", up.port())));
            Path script = Files.createDirectories(dir.resolve("kube")).resolve("token.sh");
            Files.writeString(script, "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                    + "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"tok-kf\"}}'\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            Path kc = kubeconfig(Map.of("exec", Map.of("apiVersion", "client.authentication.k8s.io/v1",
                    "command", "./token.sh", "interactiveMode", "Never")));
            start(" kubeforward {\n  namespace kube-system\n  service_name kube-dns\n  port_name dns\n  kubeconfig "
                    + kc + "\n }\n");
            Message m = ask("q.example.org.");
            assertEquals(Rcode.NOERROR, m.getRcode());
            assertTrue(up.clientQueries() >= 1, "forwarded to the endpoint the API server listed");
            allAuthenticatedAs("kubeforward");
        }
    }
}
