package io.nodedns.plugin.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.k8stest.DiscoveryServer;
import io.nodedns.k8stest.KubeObjects;
import io.nodedns.k8stest.KubeObjects.Port;
import io.nodedns.k8stest.StandInCluster;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.testing.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * {@code .Meta} over real sockets, as CoreDNS's templateData.Meta renders it: the labels kubernetes
 * provides before the chain runs; "" for a label nobody published, and for every label in a block
 * without metadata.
 */
class TemplateMetaTest {
    @RegisterExtension
    static final StandInCluster cluster = StandInCluster.of(KubeObjects.namespace("team"),
            KubeObjects.service("team", "web", "10.96.0.10", new Port("http", "TCP", 80)));

    /** kubernetes comes after template: it provides the labels, template answers every TXT query. */
    private static DiscoveryServer server(String metadata) throws Exception {
        String body = metadata
                + """

                        template IN TXT {
                         answer "{{ .Name }} 60 IN TXT ns-{{ .Meta `kubernetes/namespace` }} svc-{{ .Meta `kubernetes/service` }} port-{{ .Meta `kubernetes/port-name` }} other-{{ .Meta `nosuch/label` }}"
                        }
                        kubernetes {
                         kubeconfig %s
                         fallthrough
                        }"""
                        .formatted(cluster.kubeconfig());
        return DiscoveryServer.start("cluster.local:PORT", body,
                TestServer.registry().register("kubernetes", new KubernetesSetup(Map.of())));
    }

    private static List<String> txt(DiscoveryServer server, String name) throws Exception {
        Message reply = server.ask(name, Type.TXT);
        assertEquals(Rcode.NOERROR, reply.getRcode(), reply.toString());
        return ((TXTRecord) reply.getSection(Section.ANSWER).getFirst()).getStrings();
    }

    @Test
    void metaRendersTheLabelsKubernetesProvides() throws Exception {
        try (DiscoveryServer server = server(" metadata")) {
            assertEquals(List.of("ns-team", "svc-web", "port-http", "other-"),
                    txt(server, "_http._tcp.web.team.svc.cluster.local"));
            assertEquals(List.of("ns-team", "svc-", "port-", "other-"), txt(server, "team.svc.cluster.local"),
                    "a part the name lacks is an empty label");
        }
    }

    @Test
    void withoutMetadataEveryLabelIsEmpty() throws Exception {
        try (DiscoveryServer server = server("")) {
            assertEquals(List.of("ns-", "svc-", "port-", "other-"),
                    txt(server, "_http._tcp.web.team.svc.cluster.local"));
        }
    }

    @Test
    void providersAreAskedOnlyUnderMetadataZones() throws Exception {
        try (DiscoveryServer server = server(" metadata pod.cluster.local")) {
            assertEquals(List.of("ns-", "svc-", "port-", "other-"), txt(server, "web.team.svc.cluster.local"));
        }
    }
}
