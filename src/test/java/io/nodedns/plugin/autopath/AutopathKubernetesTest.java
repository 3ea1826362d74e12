package io.nodedns.plugin.autopath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.ResourceType;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * {@code autopath @kubernetes} over real sockets: the client's source address (127.0.0.x) is a pod
 * of the stand-in API server or not, the search path is its namespace's, then the node's search
 * domains (a resolv.conf of the test), whose names a fake upstream answers.
 */
class AutopathKubernetesTest {
    /** The pod client's address; 127.0.0.1, where the unbound test sockets send from, is no pod. */
    static final String POD = "127.0.0.2";
    static final String ASKED = "svc1.ns1.svc.cluster.local.ns1.svc.cluster.local.";

    @TempDir
    static Path dir;
    @RegisterExtension
    static final StandInCluster cluster = StandInCluster.of(KubeObjects.namespace("ns1"), KubeObjects.namespace("ns2"),
            KubeObjects.service("ns1", "svc1", "10.96.0.11", new Port("http", "TCP", 80)),
            KubeObjects.pod("ns1", "client", "node-1", POD));

    /** The node's search domain corp.example, where the upstream knows web.corp.example (the rest is NXDOMAIN). */
    static TestServer start(int port, FakeUpstream upstream) throws Exception {
        Path host = dir.resolve("host-resolv.conf");
        Files.writeString(host, "nameserver 127.0.0.53\nsearch corp.example\n");
        upstream.reply(q -> q.getQuestion().getName().toString().equals("web.corp.example.")
                ? FakeUpstream.answer(q)
                : FakeUpstream.replyTo(q, Rcode.NXDOMAIN));
        PluginRegistry registry = TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of()))
                .register("autopath", new AutopathSetup(host));
        return TestServer.fromText("""
                .:%d {
                    bind 127.0.0.1
                    autopath @kubernetes
                    kubernetes cluster.local {
                        kubeconfig %s
                        pods verified
                    }
                    forward . %s
                }
                """.formatted(port, cluster.kubeconfig(), upstream.hostPort()), registry);
    }

    /** A UDP query from {@code source} (a loopback address), as the pod there would send it. */
    static Message ask(String source, int port, String name, int type) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(source), 0))) {
            s.setSoTimeout(5000);
            byte[] q = DnsClient.query(name, type).toWire();
            s.send(new DatagramPacket(q, q.length, InetAddress.getByName("127.0.0.1"), port));
            DatagramPacket in = new DatagramPacket(new byte[4096], 4096);
            s.receive(in);
            return new Message(java.util.Arrays.copyOf(in.getData(), in.getLength()));
        }
    }

    @Test
    void aPodGetsItsSearchPathInOneReply() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start(); TestServer server = start(port, upstream)) {
            // glibc with ndots:5 asks svc1.ns1.svc.cluster.local with the first search domain first
            Message m = ask(POD, port, ASKED, Type.A);
            assertEquals(Rcode.NOERROR, m.getRcode(), m.toString());
            assertEquals(ASKED, m.getQuestion().getName().toString());
            assertEquals(List.of(ASKED + " 5 CNAME svc1.ns1.svc.cluster.local.",
                    "svc1.ns1.svc.cluster.local. 5 A 10.96.0.11"), AutopathTest.answer(m));
            assertEquals(List.of("svc1.ns1.svc.cluster.local.corp.example."), AutopathTest.asked(upstream, 0),
                    "the node's search domain comes before the name as asked; kubernetes answered the rest");

            m = ask("127.0.0.1", port, ASKED, Type.A);
            assertEquals(Rcode.NXDOMAIN, m.getRcode(), "not a pod: passed on unchanged " + m);
            assertEquals(0, m.getSection(org.xbill.DNS.Section.ANSWER).size());

            m = ask(POD, port, "web.ns1.svc.cluster.local.", Type.A);
            assertEquals(List.of("web.ns1.svc.cluster.local. 60 CNAME web.corp.example.",
                    "web.corp.example. 60 A 192.0.2.1"), AutopathTest.answer(m), "found in the node's domain");

            m = ask(POD, port, "svc1.ns1.svc.cluster.local.", Type.A);
            assertEquals(List.of("svc1.ns1.svc.cluster.local. 5 A 10.96.0.11"), AutopathTest.answer(m),
                    "its own namespace's Service: found as asked");

            int before = AutopathTest.asked(upstream, 0).size();
            m = ask(POD, port, "svc1.ns2.svc.cluster.local.", Type.A);
            assertEquals(Rcode.NXDOMAIN, m.getRcode(), "another namespace is not its first search domain");
            assertEquals(before, AutopathTest.asked(upstream, 0).size(), "passed on: no search");
        }
    }

    /** The IP -> namespace index follows pods as they come and go. */
    @Test
    void followsPodChanges() throws Exception {
        int port = FreePorts.udpAndTcp();
        String other = "127.0.0.3";
        String asked = "svc1.ns1.svc.cluster.local.ns2.svc.cluster.local.";
        try (FakeUpstream upstream = FakeUpstream.start(); TestServer server = start(port, upstream)) {
            assertEquals(Rcode.NXDOMAIN, ask(other, port, asked, Type.A).getRcode(), "no pod yet");
            cluster.api().create(KubeObjects.pod("ns2", "late", "node-1", other));
            awaitRcode(other, port, asked, Rcode.NOERROR);
            Message m = ask(other, port, asked, Type.A);
            assertEquals(List.of(asked + " 5 CNAME svc1.ns1.svc.cluster.local.",
                    "svc1.ns1.svc.cluster.local. 5 A 10.96.0.11"), AutopathTest.answer(m));
            cluster.api().delete(ResourceType.PODS, "ns2", "late");
            awaitRcode(other, port, asked, Rcode.NXDOMAIN);
            assertEquals(Rcode.NOERROR, ask(POD, port, ASKED, Type.A).getRcode(), "the other pod is unchanged");
        }
    }

    private static void awaitRcode(String source, int port, String name, int rcode) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ask(source, port, name, Type.A).getRcode() != rcode) {
            assertTrue(System.nanoTime() < deadline, name + " from " + source + " never got " + Rcode.string(rcode));
            Thread.sleep(20);
        }
    }
}
