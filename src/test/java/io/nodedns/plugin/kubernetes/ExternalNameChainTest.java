package io.nodedns.plugin.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * ExternalName services over real sockets (CoreDNS plugin/backend_lookup.go with pkg/upstream): the
 * CNAME's target is resolved through the server, outside the cluster by forward to a loopback fake
 * upstream, inside it by kubernetes itself, and the chain comes back in one reply.
 */
class ExternalNameChainTest {
    @TempDir
    Path dir;

    private static JsonObject externalName(String ns, String name, String target) {
        JsonObject s = KubeObjects.service(ns, name, "", new KubeObjects.Port("http", "TCP", 80));
        s.getAsJsonObject("spec").addProperty("type", "ExternalName");
        s.getAsJsonObject("spec").addProperty("externalName", target);
        s.getAsJsonObject("spec").remove("clusterIP");
        return s;
    }

    private static List<String> answer(Message r) {
        return r.getSection(Section.ANSWER).stream()
                .map(x -> x.getName() + " " + Type.string(x.getType()) + " " + x.rdataToString()).toList();
    }

    @Test
    @Timeout(30)
    void externalNameTargetsAreFollowed() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start();
                FakeUpstream upstream = FakeUpstream.start()
                        .reply(q -> q.getQuestion().getName().toString().startsWith("nx.")
                                ? FakeUpstream.replyTo(q, Rcode.NXDOMAIN)
                                : FakeUpstream.answer(q))) {
            api.create(KubeObjects.namespace("default"));
            api.create(KubeObjects.service("default", "db", "10.96.0.7", new KubeObjects.Port("pg", "TCP", 5432)));
            api.create(externalName("default", "ext", "db.example.com"));
            api.create(externalName("default", "inside", "db.default.svc.cluster.local"));
            api.create(externalName("default", "gone", "nx.example.com"));
            Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
            int port = FreePorts.udpAndTcp();
            String corefile = """
                    .:%d {
                        bind 127.0.0.1
                        kubernetes cluster.local {
                            kubeconfig %s
                        }
                        forward . %s
                    }
                    """.formatted(port, kc, upstream.hostPort());
            try (TestServer server = TestServer.fromText(corefile,
                    TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of())));
                    DnsClient client = new DnsClient(port)) {
                Message r = client.udp(DnsClient.query("ext.default.svc.cluster.local.", Type.A));
                assertEquals(Rcode.NOERROR, r.getRcode(), r.toString());
                assertEquals(
                        List.of("ext.default.svc.cluster.local. CNAME db.example.com.", "db.example.com. A 192.0.2.1"),
                        answer(r), r.toString());

                r = client.udp(DnsClient.query("inside.default.svc.cluster.local.", Type.A));
                assertEquals(List.of("inside.default.svc.cluster.local. CNAME db.default.svc.cluster.local.",
                        "db.default.svc.cluster.local. A 10.96.0.7"), answer(r), "an in-cluster target\n" + r);

                r = client.udp(DnsClient.query("ext.default.svc.cluster.local.", Type.CNAME));
                assertEquals(List.of("ext.default.svc.cluster.local. CNAME db.example.com."), answer(r),
                        "a CNAME question is not followed\n" + r);

                r = client.udp(DnsClient.query("gone.default.svc.cluster.local.", Type.A));
                assertEquals(Rcode.NXDOMAIN, r.getRcode(), r.toString());
                assertEquals(List.of("gone.default.svc.cluster.local. CNAME nx.example.com."), answer(r), r.toString());
            }
        }
    }
}
