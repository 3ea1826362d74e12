package io.nodedns.k8s.dns;

import io.nodedns.config.Fallthrough;
import io.nodedns.k8s.ClusterView;
import io.nodedns.k8s.DiscoveryBackend;
import io.nodedns.k8s.DiscoveryRegistry;
import io.nodedns.k8s.HostPorts;
import io.nodedns.k8s.KubeClientConfig;
import io.nodedns.k8s.KubePod;
import io.nodedns.k8s.PodIp;
import io.nodedns.log.Log;
import io.nodedns.server.ChainHandler;
import io.nodedns.server.ClientAddress;
import io.nodedns.server.Exchange;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.Readiness;
import io.nodedns.server.Result;
import io.nodedns.server.ScratchPool;
import io.nodedns.server.SelfLookup;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Records;
import io.nodedns.wire.ZoneSet;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The handler of the kubernetes and multicluster plugins: matches the zone, asks the zone's
 * {@link Resolver} what the name holds in the current {@link ClusterView}, and answers with AA:
 * the records of the asked type, NODATA or NXDOMAIN with the SOA (RFC 2308), or falls through.
 * The apex (SOA, NS) and {@code dns-version} are answered here for both grammars. Until the
 * backend has synced, an answer that would be NXDOMAIN is SERVFAIL. A CNAME answer (ExternalName
 * services) to another type is followed through the server ({@link SelfLookup}). Answers are built with dnsjava
 * (this is not the cache's hot path: node-local setups cache these answers in front).
 */
public final class DiscoveryHandler extends ChainHandler implements Lifecycle, Readiness {
    /** Its zones in wire form: a query outside them passes on before anything is parsed or allocated. */
    private final ZoneSet wireZones;
    /** Settings shared by both plugins. */
    public record Settings(String plugin, List<String> zones, Fallthrough fallthrough, long ttl,
            KubeClientConfig client, Set<DiscoveryBackend.Feature> features, Duration startupTimeout,
            DiscoveryBackend.Selectors selectors) {
    }

    private static final long VERSION_TTL = 28800;
    private final Settings settings;
    private final Resolver resolver;
    private final DiscoveryRegistry registry;
    private volatile DiscoveryBackend backend;
    private final ScratchPool<PodIp> probes = new ScratchPool<>(PodIp::new);

    public DiscoveryHandler(Settings settings, Resolver resolver, DiscoveryRegistry registry) {
        super(settings.plugin());
        this.settings = settings;
        this.wireZones = ZoneSet.of(settings.zones());
        this.resolver = resolver;
        this.registry = registry;
    }

    @Override
    public void start() throws IOException, InterruptedException {
        DiscoveryBackend b = registry.acquire(settings.client(), settings.features(), settings.selectors());
        backend = b;
        if (!b.awaitSynced(settings.startupTimeout())) {
            Log.warning(settings.plugin(), "starting before the API server was synced (waited "
                    + settings.startupTimeout().toMillis()
                    + " ms); names that would not exist get SERVFAIL until then");
        }
    }

    @Override
    public void stop() {
        DiscoveryBackend b = backend;
        if (b != null) {
            registry.release(b);
        }
    }

    @Override
    public String readinessName() {
        return settings.plugin();
    }

    @Override
    public boolean ready() {
        DiscoveryBackend b = backend;
        return b != null && b.synced();
    }

    /** The backend in use (tests, metrics). */
    public DiscoveryBackend backend() {
        return backend;
    }

    /** Its zones, normalized (autopath builds a client's search path from them, as CoreDNS's AutoPath). */
    public List<String> zones() {
        return settings.zones();
    }

    /** Whether its backend keeps the pods ({@code pods verified}): autopath needs them to know a client. */
    public boolean watchesPods() {
        return settings.features().contains(DiscoveryBackend.Feature.PODS);
    }

    /**
     * The pod whose IP is the client's address ({@code pods verified}; CoreDNS's podWithIP), or null:
     * not a pod, or the backend not started. Allocates nothing: the probe is a pooled scratch.
     */
    public KubePod clientPod(Exchange ex) {
        DiscoveryBackend b = backend;
        if (b == null) {
            return null;
        }
        PodIp probe = probes.borrow();
        try {
            ClientAddress client = ex.client();
            int n = client.ipLength();
            probe.length(n);
            for (int i = 0; i < n; i++) {
                probe.set(i, client.ipByte(i));
            }
            return b.view().podWithIp(probe);
        } finally {
            probes.giveBack(probe);
        }
    }

    /** The name grammar answering this handler's zones (k8s_external asks it for external names). */
    public Resolver resolver() {
        return resolver;
    }

    @Override
    public int serve(Exchange ex) {
        if (!wireZones.contains(ex.query())) {
            return next(ex);
        }
        Message request = request(ex);
        if (request == null) {
            return DnsHeader.RCODE_FORMERR;
        }
        Name qname = request.getQuestion().getName();
        String zone = settings.zones().get(wireZones.longest(ex.query())); // contains() held above
        DiscoveryBackend b = backend;
        if (b == null) {
            return next(ex);
        }
        int type = request.getQuestion().getType();
        if (Records.isZoneTransfer(type)) {
            return DnsHeader.RCODE_REFUSED;
        }
        Query query = query(request, zone, settings.ttl(), ex);
        ClusterView view = b.view();
        NameRecords found;
        if (query.labels().isEmpty()) {
            found = apex(query, view);
        } else if (query.size() == 1 && query.labels().getFirst().equals("dns-version")) {
            found = NameRecords.existing().add(new TXTRecord(qname, DClass.IN, VERSION_TTL, resolver.schemaVersion()));
        } else {
            found = resolver.resolve(view, query);
        }
        if (!found.exists() && settings.fallthrough().through(ex.query())) {
            return next(ex);
        }
        return reply(ex, request, query, found, soa(query, view), b.synced(), name());
    }

    /** The query as dnsjava reads it; null when malformed or without a question (FORMERR). */
    public static Message request(Exchange ex) {
        byte[] wire = new byte[ex.requestLength()];
        ex.request().getBytes(0, wire);
        try {
            Message m = new Message(wire);
            return m.getQuestion() == null ? null : m;
        } catch (IOException e) {
            return null;
        }
    }

    /** The question relative to {@code zone} (lowercase, absolute; one the name is in). */
    public static Query query(Message request, String zone, long ttl, Exchange ex) {
        Name qname = request.getQuestion().getName();
        int zoneLabels = zone.equals(".") ? 1 : zone.split("\\.").length + 1;
        int below = qname.labels() - zoneLabels;
        List<String> labels = new ArrayList<>(below);
        for (int i = 0; i < below; i++) {
            labels.add(qname.getLabelString(i).toLowerCase(Locale.ROOT));
        }
        return new Query(qname, new Name(qname, below), List.copyOf(labels), request.getQuestion().getType(), ttl,
                self(ex));
    }

    /**
     * Writes the authoritative answer for what the name holds: the records of the asked type (a
     * CNAME for any other type, its target then followed through the server), NODATA or NXDOMAIN
     * with {@code soa} (SERVFAIL for NXDOMAIN until {@code synced}), glue for SRV, NS and ANY.
     */
    public static int reply(Exchange ex, Message request, Query q, NameRecords found, Record soa, boolean synced,
            String plugin) {
        Message reply = new Message(request.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.AA);
        if (request.getHeader().getFlag(Flags.RD)) {
            reply.getHeader().setFlag(Flags.RD);
        }
        if (request.getHeader().getFlag(Flags.CD)) {
            reply.getHeader().setFlag(Flags.CD);
        }
        reply.getHeader().setOpcode(request.getHeader().getOpcode());
        reply.addRecord(request.getQuestion(), Section.QUESTION);
        List<Record> answer = found.exists() ? found.ofType(q.type()) : List.of();
        if (answer.isEmpty() && found.exists() && q.type() != Type.CNAME && found.cname() != null) {
            answer = List.of(found.cname());
        }
        if (!found.exists()) {
            reply.getHeader().setRcode(synced ? DnsHeader.RCODE_NXDOMAIN : DnsHeader.RCODE_SERVFAIL);
        }
        for (Record r : answer) {
            reply.addRecord(r, Section.ANSWER);
        }
        if (answer.isEmpty()) {
            reply.addRecord(soa, Section.AUTHORITY);
        } else if (q.type() == Type.SRV || q.type() == Type.NS || q.type() == Type.ANY) {
            for (Record r : found.additional()) {
                reply.addRecord(r, Section.ADDITIONAL);
            }
        }
        byte[] out = reply.toWire();
        ex.response().checkLimit(out.length);
        ex.response().putBytes(0, out);
        if (answer.size() == 1 && answer.getFirst() instanceof CNAMERecord alias && q.type() != Type.CNAME) {
            // ExternalName services, load balancers known by hostname: the target is asked through the server (CoreDNS pkg/upstream)
            return SelfLookup.followCname(ex, out.length, alias.getTarget(), plugin);
        }
        ex.written(out.length, plugin);
        return Result.WRITTEN;
    }

    /** SOA and NS at the apex (docs/decisions.md multicluster 3); every other type is NODATA there. */
    private NameRecords apex(Query q, ClusterView view) {
        NameRecords r = NameRecords.existing().add(soa(q, view));
        Name ns = q.under("ns.dns");
        if (ns != null) {
            r.add(new NSRecord(q.zone(), DClass.IN, q.ttl(), ns));
            if (q.self() != null) {
                r.glue(q.self() instanceof java.net.Inet4Address
                        ? new org.xbill.DNS.ARecord(ns, DClass.IN, q.ttl(), q.self())
                        : new org.xbill.DNS.AAAARecord(ns, DClass.IN, q.ttl(), q.self()));
            }
        }
        return r;
    }

    private static Record soa(Query q, ClusterView view) {
        Name ns = q.under("ns.dns");
        Name mbox = q.under("hostmaster");
        return new SOARecord(q.zone(), DClass.IN, Math.min(q.ttl(), 300), ns, mbox, view.serial(), 7200, 1800, 86400,
                q.ttl());
    }

    /** The listener's own address when it is a specific one (for ns.dns.ZONE); null for a wildcard. */
    public static InetAddress self(Exchange ex) {
        if (ex.listener() == null) {
            return null;
        }
        InetAddress ip = HostPorts.literal(ex.listener().address().host());
        return ip == null || ip.isAnyLocalAddress() ? null : ip;
    }
}
