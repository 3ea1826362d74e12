package io.nodedns.plugin.autopath;

import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.ResourceType;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LoopAllocations;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * What autopath costs the queries it passes on: nothing on the UDP loop. With {@code @kubernetes}
 * a query outside {@code svc.ZONE} stops at the zone match; one below another namespace, or from a
 * client that is no pod, costs the lookup of the client's IP, which allocates nothing either. The
 * queries are answered by hosts (before kubernetes in the chain), which allocates nothing itself.
 */
class AutopathAllocationTest {
    @TempDir
    Path dir;

    @Test
    void passedOnQueriesAllocateNothingWithKubernetes() throws Exception {
        int port = FreePorts.udpAndTcp();
        byte[] outside = DnsClient.query("example.org", Type.A).toWire();
        byte[] otherNamespace = DnsClient.query("svc1.ns2.svc.cluster.local", Type.A).toWire();
        try (StandInApiServer api = StandInApiServer.builder().start()) {
            api.create(KubeObjects.namespace("ns1"));
            api.create(KubeObjects.pod("ns1", "client", "node-1", "127.0.0.1")); // the test's sockets send from it
            Path kubeconfig = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
            // the node has no search domains: a pod's path ends in cluster.local, then the name as asked
            Path host = Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.53\n");
            PluginRegistry registry = TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of()))
                    .register("autopath", new AutopathSetup(host));
            try (TestServer server = TestServer.fromText("""
                    .:%d {
                        multisocket 1
                        autopath @kubernetes
                        hosts {
                            192.0.2.1 example.org
                            192.0.2.2 svc1.ns2.svc.cluster.local
                            fallthrough
                        }
                        kubernetes cluster.local {
                            kubeconfig %s
                            pods verified
                        }
                    }
                    """.formatted(port, kubeconfig), registry);
                    LoopAllocations.Clients clients = new LoopAllocations.Clients(500, port);
                    DnsClient probe = new DnsClient(port)) {
                long loop = LoopAllocations.nativeLoopThread(server, port);
                org.junit.jupiter.api.Assertions.assertEquals(Rcode.NOERROR, probe
                        .udp(DnsClient.query("svc1.ns2.svc.cluster.local.ns1.svc.cluster.local", Type.A)).getRcode(),
                        "the client is the pod: its search reaches the name hosts has");
                // a long warm-up: in its first seconds the loop of a block with kubernetes allocates now
                // and then with or without autopath (416 and 1128 B windows measured without it)
                int lost = clients.rounds(200, (i, r) -> i % 2 == 0 ? outside : otherNamespace);
                LoopAllocations.Result pod = LoopAllocations.measure(loop,
                        clients.kind("outside svc.ZONE", 20, (i, r) -> outside),
                        clients.kind("another namespace", 20, (i, r) -> otherNamespace)).plusLost(lost);
                System.out.println("autopath @kubernetes, pod client, 10000-query windows: " + pod);
                pod.assertNothingAllocated();

                api.delete(ResourceType.PODS, "ns1", "client");
                awaitNoPod(probe);
                lost = clients.rounds(40, (i, r) -> otherNamespace);
                LoopAllocations.Result noPod = LoopAllocations
                        .measure(loop, clients.kind("not a pod", 20, (i, r) -> otherNamespace)).plusLost(lost);
                System.out.println("autopath @kubernetes, client no pod, 10000-query windows: " + noPod);
                noPod.assertNothingAllocated();
            }
        }
    }

    @Test
    void passedOnQueriesAllocateNothingWithAFile() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "search default.svc.cluster.local\n");
        byte[] outsideZone = DnsClient.query("example.org", Type.A).toWire();
        byte[] otherDomain = DnsClient.query("a.other.svc.cluster.local", Type.A).toWire();
        try (TestServer server = TestServer.fromText("""
                .:%d {
                    multisocket 1
                    autopath cluster.local %s
                    hosts {
                        192.0.2.1 example.org
                        192.0.2.2 a.other.svc.cluster.local
                    }
                }
                """.formatted(port, resolv));
                LoopAllocations.Clients clients = new LoopAllocations.Clients(500, port)) {
            long loop = LoopAllocations.nativeLoopThread(server, port);
            int lost = clients.rounds(60, (i, r) -> i % 2 == 0 ? outsideZone : otherDomain); // warm-up
            LoopAllocations.Result r = LoopAllocations.measure(loop,
                    clients.kind("outside its zones", 20, (i, x) -> outsideZone),
                    clients.kind("not in the first domain", 20, (i, x) -> otherDomain)).plusLost(lost);
            System.out.println("autopath FILE, 10000-query windows: " + r);
            r.assertNothingAllocated();
        }
    }

    /** Until the pod's deletion reached the view: its first search domain is no longer searched. */
    private static void awaitNoPod(DnsClient probe) throws Exception {
        String asked = "svc1.ns2.svc.cluster.local.ns1.svc.cluster.local";
        long deadline = System.nanoTime() + 10_000_000_000L;
        // with the pod, the search reaches svc1.ns2.svc.cluster.local (hosts): NOERROR with a CNAME
        while (probe.udp(DnsClient.query(asked, Type.A)).getRcode() != Rcode.NXDOMAIN) {
            org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() < deadline, "the pod never went away");
            Thread.sleep(20);
        }
    }
}
