package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.StandInApiServer;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The CoreDNS blog's "custom DNS entries for Kubernetes" Corefile (issues 6 and 7): rewrite in
 * front of kubernetes with fallthrough, a file zone for custom cluster.local entries, forward and
 * cache, against the stand-in API and a loopback upstream.
 */
class BlogCorefileTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(30)
    void rewrittenServiceCustomEntriesAndATypo() throws Exception {
        try (StandInApiServer api = StandInApiServer.builder().start(); FakeUpstream upstream = FakeUpstream.start()) {
            api.create(KubeObjects.namespace("default"));
            api.create(KubeObjects.service("default", "foo", "10.96.0.50", new KubeObjects.Port("http", "TCP", 80)));
            Files.writeString(dir.resolve("cluster.db"),
                    """
                            cluster.local.               IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 2015082541 7200 3600 1209600 3600
                            something.cluster.local.     IN A     10.0.0.1
                            otherthing.cluster.local.    IN CNAME google.com.
                            anotherthing.cluster.local.  IN CNAME something.cluster.local.
                            """);
            Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
            int port = FreePorts.udpAndTcp();
            String corefile = """
                    .:PORT {
                        bind 127.0.0.1
                        errors
                        rewrite name foo.example.com foo.default.svc.cluster.local
                        kubernetes cluster.local in-addr.arpa ip6.arpa {
                            kubeconfig KC
                            pods insecure
                            fallthrough
                        }
                        file DIR/cluster.db cluster.local
                        forward . UPSTREAM
                        cache 30
                    }
                    """.replace("PORT", Integer.toString(port)).replace("KC", kc.toString())
                    .replace("DIR", dir.toString()).replace("UPSTREAM", upstream.hostPort());
            try (TestServer server = TestServer.fromText(corefile,
                    TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of())));
                    DnsClient client = new DnsClient(port)) {
                Message r = client.udp(DnsClient.query("foo.example.com.", Type.A));
                assertEquals(Rcode.NOERROR, r.getRcode(), r.toString());
                assertEquals("foo.example.com.", r.getQuestion().getName().toString(), "question restored");
                assertEquals(List.of("foo.example.com. A 10.96.0.50"), lines(r),
                        "the service's record under the asked name");

                r = client.udp(DnsClient.query("something.cluster.local.", Type.A));
                assertEquals(List.of("something.cluster.local. A 10.0.0.1"), lines(r), "custom A from the file\n" + r);

                r = client.udp(DnsClient.query("anotherthing.cluster.local.", Type.A));
                assertEquals(List.of("anotherthing.cluster.local. CNAME something.cluster.local.",
                        "something.cluster.local. A 10.0.0.1"), lines(r), "custom CNAME from the file\n" + r);

                // the blog's own entry: the target lies outside the zone and is resolved through the
                // server (forward, here to the loopback upstream), CNAME and A in one reply
                r = client.udp(DnsClient.query("otherthing.cluster.local.", Type.A));
                assertEquals(Rcode.NOERROR, r.getRcode(), r.toString());
                assertEquals(List.of("otherthing.cluster.local. CNAME google.com.", "google.com. A 192.0.2.1"),
                        lines(r),
                        "out-of-zone CNAME followed\n" + r);

                r = client.udp(DnsClient.query("somthing.cluster.local.", Type.A));
                assertEquals(Rcode.NXDOMAIN, r.getRcode(), "a typo is NXDOMAIN\n" + r);
                assertTrue(r.getSection(Section.AUTHORITY).stream().anyMatch(x -> x.getType() == Type.SOA),
                        r.toString());

                r = client.udp(DnsClient.query("www.example.org.", Type.A));
                assertEquals(Rcode.NOERROR, r.getRcode(), "everything else is forwarded\n" + r);
                assertEquals(2, upstream.clientQueries(),
                        "only the outside names went upstream (google.com., www.example.org.)");
            }
        }
    }

    static List<String> lines(Message r) {
        return r.getSection(Section.ANSWER).stream().map(BlogCorefileTest::line).toList();
    }

    static String line(Record r) {
        return r.getName() + " " + Type.string(r.getType()) + " " + r.rdataToString();
    }
}
