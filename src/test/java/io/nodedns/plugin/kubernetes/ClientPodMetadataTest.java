package io.nodedns.plugin.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8s.DiscoveryBackend.Feature;
import io.nodedns.k8s.PodIp;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.ResourceType;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.server.Handler;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.TestServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * kubernetes/client-namespace and kubernetes/client-pod-name over real sockets (CoreDNS 1.10.1
 * metadata.go): a query from a pod's address (127.0.0.x) carries its pod, as template's
 * {@code .Meta} and log's {@code {/LABEL}} read them; a query from another address carries neither.
 */
class ClientPodMetadataTest {
    /** The pod client's address; 127.0.0.1, where unbound sockets send from, is no pod. */
    static final String POD = "127.0.0.2";
    static final String WHO = "who.test.";

    @RegisterExtension
    static final StandInCluster cluster = StandInCluster.of(KubeObjects.namespace("ns1"), KubeObjects.namespace("ns2"),
            KubeObjects.pod("ns1", "client", "node-1", POD));

    /** A block answering TXT for who.test with the client's labels, and logging them. */
    static TestServer start(int port, String pods, String metadata) throws Exception {
        return TestServer.fromText(
                """
                        .:%d {
                            bind 127.0.0.1
                            %s
                            log . "{remote} {name} ns={/kubernetes/client-namespace} pod={/kubernetes/client-pod-name}"
                            template IN TXT test {
                                answer "{{ .Name }} 60 IN TXT ns={{ .Meta `kubernetes/client-namespace` }} pod={{ .Meta `kubernetes/client-pod-name` }}"
                            }
                            kubernetes cluster.local {
                                kubeconfig %s
                                pods %s
                            }
                        }
                        """
                        .formatted(port, metadata, cluster.kubeconfig(), pods),
                TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of())));
    }

    /** The TXT strings the template rendered for a query from {@code source}. */
    static String who(String source, int port) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(source), 0))) {
            s.setSoTimeout(5000);
            byte[] q = DnsClient.query(WHO, Type.TXT).toWire();
            s.send(new DatagramPacket(q, q.length, InetAddress.getByName("127.0.0.1"), port));
            DatagramPacket in = new DatagramPacket(new byte[4096], 4096);
            s.receive(in);
            Message m = new Message(java.util.Arrays.copyOf(in.getData(), in.getLength()));
            Record r = m.getSection(Section.ANSWER).getFirst();
            return r.rdataToString();
        }
    }

    @Test
    void aPodsQueryCarriesItsNamespaceAndName() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (LogCapture log = new LogCapture(); TestServer server = start(port, "verified", "metadata")) {
            assertEquals("ns=ns1 pod=client", who(POD, port));
            String line = log.await("[INFO] " + POD + " ", 3000);
            assertNotNull(line, log.lines().toString());
            assertTrue(line.endsWith(" who.test. ns=ns1 pod=client"), line);

            assertEquals("ns= pod=", who("127.0.0.1", port), "not a pod: no label");
            line = log.await("[INFO] 127.0.0.1 ", 3000);
            assertNotNull(line, log.lines().toString());
            assertTrue(line.endsWith(" who.test. ns=- pod=-"), line);
        }
    }

    /** The IP index follows pods: a new pod, its deletion, and its IP taken by another pod. */
    @Test
    void followsPodsDeletedAndIpsReused() throws Exception {
        int port = FreePorts.udpAndTcp();
        String other = "127.0.0.3";
        try (TestServer server = start(port, "verified", "metadata")) {
            assertEquals("ns= pod=", who(other, port), "no pod yet");
            cluster.api().create(KubeObjects.pod("ns2", "late", "node-1", other));
            awaitWho(other, port, "ns=ns2 pod=late");
            cluster.api().delete(ResourceType.PODS, "ns2", "late");
            awaitWho(other, port, "ns= pod=");
            cluster.api().create(KubeObjects.pod("ns1", "reuse", "node-1", other));
            awaitWho(other, port, "ns=ns1 pod=reuse");
            cluster.api().delete(ResourceType.PODS, "ns1", "reuse");
            awaitWho(other, port, "ns= pod=");
            assertEquals("ns=ns1 pod=client", who(POD, port), "the other pod is unchanged");
        }
    }

    /** As CoreDNS's podWithIP: only {@code pods verified} keeps an index of pods by IP. */
    @Test
    void onlyPodsVerifiedKnowsTheClient() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = start(port, "insecure", "metadata")) {
            assertEquals("ns= pod=", who(POD, port));
        }
    }

    /** Names cost memory: a block without metadata watches pods without keeping their names. */
    @Test
    void withoutMetadataThePodViewKeepsNoNames() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = start(port, "verified", "")) {
            assertEquals("ns= pod=", who(POD, port), "no metadata: no label");
            DiscoveryHandler kubernetes = kubernetes(server);
            assertFalse(kubernetes.backend().features().contains(Feature.POD_NAMES));
            assertEquals("ns1", kubernetes.backend().view().podWithIp(PodIp.of(POD)).namespace(),
                    "autopath's index is kept");
            assertNull(kubernetes.backend().view().podWithIp(PodIp.of(POD)).name());
        }
        try (TestServer server = start(port, "verified", "metadata")) {
            assertTrue(kubernetes(server).backend().features().contains(Feature.POD_NAMES));
        }
    }

    private static DiscoveryHandler kubernetes(TestServer server) {
        for (Handler h : server.server().current().configs().getFirst().handlers()) {
            if (h instanceof DiscoveryHandler d) {
                return d;
            }
        }
        throw new AssertionError("no kubernetes handler");
    }

    private static void awaitWho(String source, int port, String want) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String got;
        while (!(got = who(source, port)).equals(want)) {
            assertTrue(System.nanoTime() < deadline, "from " + source + " never got " + want + ", last " + got);
            Thread.sleep(20);
        }
    }
}
