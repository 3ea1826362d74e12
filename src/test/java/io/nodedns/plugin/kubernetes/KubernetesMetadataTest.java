package io.nodedns.plugin.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nodedns.server.Exchange;
import io.nodedns.testing.EscapedLabel;
import io.nodedns.testing.LoopAllocations;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kubernetes's metadata labels: the zone is matched on the question's wire name. */
class KubernetesMetadataTest {
    @Test
    void labelsNamesUnderItsZones() {
        KubernetesMetadata m = new KubernetesMetadata(List.of("example.org.", "cluster.local."), null);
        Exchange ex = LoopAllocations.metadataExchange("_http._tcp.Web.Team.SVC.Cluster.Local.");
        m.metadata(ex);
        assertEquals("svc", ex.metadata("kubernetes/kind"));
        assertEquals("team", ex.metadata("kubernetes/namespace"));
        assertEquals("web", ex.metadata("kubernetes/service"));
        assertEquals("http", ex.metadata("kubernetes/port-name"));
        assertEquals("tcp", ex.metadata("kubernetes/protocol"));
        Exchange bad = LoopAllocations.metadataExchange("a.b.c.cluster.local.");
        m.metadata(bad);
        assertEquals(KubernetesMetadata.INVALID, bad.metadata("kubernetes/parse-error"));
        // labels as CoreDNS's request.Name() writes them: miekg/dns's escapes, lower case (EscapedLabel)
        Exchange escaped = LoopAllocations.metadataExchange(EscapedLabel.DIG + ".Team.svc.cluster.local.");
        m.metadata(escaped);
        assertEquals(EscapedLabel.COREDNS_LOWER, escaped.metadata("kubernetes/service"));
        // an escaped dot is inside its label, as miekg/dns's SplitDomainName reads the text
        Exchange dotted = LoopAllocations.metadataExchange("web\\.v2.team.svc.cluster.local.");
        m.metadata(dotted);
        assertEquals("web\\.v2", dotted.metadata("kubernetes/service"));
        assertEquals("", dotted.metadata("kubernetes/endpoint"));
    }

    @Test
    void theRootZoneKeepsEveryLabel() {
        KubernetesMetadata m = new KubernetesMetadata(List.of("."), null);
        Exchange ex = LoopAllocations.metadataExchange("web.team.svc.");
        m.metadata(ex);
        assertEquals("svc", ex.metadata("kubernetes/kind"), "the name less its last dot, as dnsutil.TrimZone gives it");
        assertEquals("team", ex.metadata("kubernetes/namespace"));
        assertEquals("web", ex.metadata("kubernetes/service"));
    }

    @Test
    void aNameOutsideItsZonesGetsNothingAndAllocatesNothing() throws Exception {
        KubernetesMetadata m = new KubernetesMetadata(List.of("cluster.local."), null);
        Exchange ex = LoopAllocations.metadataExchange("www.example.org.");
        m.metadata(ex);
        assertNull(ex.metadata("kubernetes/kind"));
        LoopAllocations.calls("metadata outside the zones", 100_000, i -> m.metadata(ex)).assertNothingAllocated();
    }
}
