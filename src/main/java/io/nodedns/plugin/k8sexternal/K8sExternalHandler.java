package io.nodedns.plugin.k8sexternal;

import io.nodedns.config.Fallthrough;
import io.nodedns.k8s.ClusterView;
import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8s.dns.DiscoveryHandler;
import io.nodedns.k8s.dns.Externaler;
import io.nodedns.k8s.dns.NameRecords;
import io.nodedns.k8s.dns.Query;
import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.Lifecycle;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.ZoneSet;
import java.util.List;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * CoreDNS's k8s_external: Services' external and load-balancer addresses under other zones, as
 * {@code svc.ns.ZONE}, answered from the view of the block's kubernetes plugin. The apex has SOA and
 * NS ({@code ns1.APEX.ZONE}, whose address is the listener's own when it is a specific one); only
 * A, AAAA, SRV and PTR have answers, other types are NODATA.
 */
final class K8sExternalHandler extends ChainHandler implements Lifecycle {
    /** Its zones in wire form: a query outside them passes on before anything is parsed or allocated. */
    private final ZoneSet wireZones;
    record Settings(List<String> zones, String apex, long ttl, boolean headless, Fallthrough fallthrough) {
    }

    private final Settings settings;
    private final List<Handler> blockHandlers;
    private final Name firstZone;
    private volatile DiscoveryHandler kubernetes;
    private volatile Externaler names;

    K8sExternalHandler(Settings settings, List<Handler> blockHandlers) {
        super(K8sExternalSetup.NAME);
        this.settings = settings;
        this.wireZones = ZoneSet.of(settings.zones());
        this.blockHandlers = blockHandlers;
        this.firstZone = io.nodedns.k8s.dns.ServiceRecords.absolute(settings.zones().getFirst());
    }

    /** Finds the block's kubernetes handler (set up after this one, in plugin order). */
    @Override
    public void start() {
        for (Handler h : blockHandlers) {
            if (h instanceof DiscoveryHandler k && h.name().equals("kubernetes")
                    && k.resolver() instanceof Externaler x) {
                names = x;
                kubernetes = k;
                return;
            }
        }
        throw new IllegalStateException("plugin/k8s_external: kubernetes plugin not loaded");
    }

    @Override
    public int serve(Exchange ex) {
        if (!wireZones.contains(ex.query())) {
            return next(ex);
        }
        Message request = DiscoveryHandler.request(ex);
        if (request == null) {
            return DnsHeader.RCODE_FORMERR;
        }
        String zone = settings.zones().get(wireZones.longest(ex.query())); // contains() held above
        DiscoveryHandler k = kubernetes;
        DiscoveryBackend backend = k == null ? null : k.backend();
        if (backend == null) {
            return next(ex);
        }
        Query q = DiscoveryHandler.query(request, zone, settings.ttl(), ex);
        ClusterView view = backend.view();
        Record soa = soa(q, view);
        if (q.size() == 0) {
            return DiscoveryHandler.reply(ex, request, q, apex(q, soa), soa, true, name());
        }
        if (q.fromRight(0).equals(settings.apex())) {
            return DiscoveryHandler.reply(ex, request, q, NameRecords.serverSubdomain(q, "ns1"), soa, true, name());
        }
        NameRecords found = names.external(view, q, settings.headless(), firstZone);
        if (!found.exists() && settings.fallthrough().through(ex.query())) {
            return next(ex);
        }
        int t = q.type();
        if (found.exists() && t != Type.A && t != Type.AAAA && t != Type.SRV && t != Type.PTR) {
            found = NameRecords.existing(); // CoreDNS answers these four types only
        }
        return DiscoveryHandler.reply(ex, request, q, found, soa, backend.synced(), name());
    }

    private NameRecords apex(Query q, Record soa) {
        Name ns = q.under("ns1." + settings.apex());
        NameRecords r = NameRecords.existing().add(soa).add(new NSRecord(q.zone(), DClass.IN, settings.ttl(), ns));
        if (q.self() != null) {
            r.glue(NameRecords.existing().address(ns, settings.ttl(), q.self()).ofType(Type.ANY).getFirst());
        }
        return r;
    }

    private SOARecord soa(Query q, ClusterView view) {
        return new SOARecord(q.zone(), DClass.IN, settings.ttl(), q.under("ns1." + settings.apex()),
                q.under("hostmaster." + settings.apex()), view.serial(), 7200, 1800, 86400, settings.ttl());
    }
}
