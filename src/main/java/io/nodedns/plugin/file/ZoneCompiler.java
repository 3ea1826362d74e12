package io.nodedns.plugin.file;

import io.nodedns.plugin.file.AnswerBuilder.Rr;
import io.nodedns.plugin.file.AnswerBuilder.Sections;
import io.nodedns.plugin.file.ZoneFileReader.ZoneRecords;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.SVCBBase;
import org.xbill.DNS.Type;

/**
 * Builds a {@link ZoneSnapshot} from a zone's records and precomputes every reply the zone can
 * give, following CoreDNS's plugin/file lookup: answers carry the apex NS in authority, negative
 * answers the SOA (RFC 2308), referrals the cut's NS and in-bailiwick glue with AA=0, MX/SRV/SVCB
 * targets in the zone get their addresses in additional, and CNAMEs are chased inside the zone.
 */
final class ZoneCompiler {
    /** CoreDNS gives up following CNAMEs after this many steps. */
    private static final int MAX_CHASE = 8;
    /** A type no zone holds, to precompute "any other type" replies. */
    private static final int OTHER_TYPE = 65280;

    private final ZoneRecords zone;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<Name, Integer> index = new HashMap<>();
    private List<Rr> apexNs;
    private List<Rr> soa;
    private ZoneSnapshot snapshot;

    private ZoneCompiler(ZoneRecords zone) {
        this.zone = zone;
    }

    static ZoneSnapshot compile(ZoneRecords zone) {
        return new ZoneCompiler(zone).build();
    }

    private ZoneSnapshot build() {
        Name origin = zone.origin();
        Map<Integer, List<Record>> apexSets = new HashMap<>(zone.nodes().getOrDefault(origin, Map.of()));
        apexSets.put(Type.SOA, List.of(zone.soa()));
        add(new Entry(origin, apexSets));
        zone.nodes().forEach((name, sets) -> {
            if (!name.equals(origin)) {
                add(new Entry(name, sets));
            }
        });
        for (Entry e : List.copyOf(entries)) {
            markAncestors(e.name, origin);
        }
        for (Entry e : entries) {
            Integer w = index.get(wildcardOf(e.name));
            e.wildcard = w == null ? -1 : w;
        }
        soa = List.of(Rr.of(zone.soa()));
        apexNs = wrap(apexSets.getOrDefault(Type.NS, List.of()), null, false);
        Entry[] array = entries.toArray(new Entry[0]);
        snapshot = new ZoneSnapshot(origin, zone.serial(), array, new NameTable(array), 0,
                AnswerBuilder.build(negative(Rcode.NXDOMAIN, true)),
                AnswerBuilder.build(negative(Rcode.NOERROR, true)),
                AnswerBuilder.build(negative(Rcode.NOERROR, false)));
        for (int i = 1; i < array.length; i++) {
            List<Record> ns = array[i].rrset(Type.NS);
            if (ns != null) {
                array[i].delegation = AnswerBuilder.build(referral(List.of(), ns));
            }
        }
        Set<Integer> zoneTypes = new LinkedHashSet<>();
        for (Entry e : array) {
            if (!e.isEmptyNonTerminal()) {
                zoneTypes.addAll(e.rrsets.keySet());
            }
        }
        Owner atQname = new Owner(true, null);
        Answer sharedNodata = snapshot.answer(ZoneSnapshot.WILDCARD_NODATA, 0);
        for (Entry e : array) {
            if (e.isEmptyNonTerminal()) {
                continue;
            }
            boolean chases = e.rrset(Type.CNAME) != null;
            List<Integer> types = new ArrayList<>(chases ? zoneTypes : e.rrsets.keySet());
            int[] typeArray = new int[types.size()];
            Answer[] answers = new Answer[types.size()];
            for (int i = 0; i < typeArray.length; i++) {
                typeArray[i] = types.get(i);
                answers[i] = AnswerBuilder.build(found(e, atQname, typeArray[i], 0));
            }
            Answer otherwise = chases ? AnswerBuilder.build(found(e, atQname, OTHER_TYPE, 0)) : sharedNodata;
            e.answers(typeArray, answers, otherwise);
        }
        return snapshot;
    }

    private void add(Entry e) {
        index.put(e.name, entries.size());
        entries.add(e);
    }

    /** Every name between a name and the apex exists: as itself, or as an empty non-terminal. */
    private void markAncestors(Name name, Name origin) {
        Name child = name;
        while (!child.equals(origin)) {
            Name parent = new Name(child, 1);
            Integer at = index.get(parent);
            if (at == null) {
                add(new Entry(parent, null));
                at = entries.size() - 1;
            }
            Entry p = entries.get(at);
            if (p.hasChildren) {
                return; // its own ancestors are marked already
            }
            p.hasChildren = true;
            child = parent;
        }
    }

    private static Name wildcardOf(Name name) {
        try {
            return Name.concatenate(Name.fromConstantString("*"), name);
        } catch (org.xbill.DNS.NameTooLongException e) {
            return Name.root;
        }
    }

    /** How owners are written: as the query name, renamed (a wildcard reached through a CNAME), or as stored. */
    private record Owner(boolean atQname, Name rename) {}

    private static List<Rr> wrap(List<Record> records, Name rename, boolean atQname) {
        List<Rr> out = new ArrayList<>(records.size());
        for (Record r : records) {
            out.add(atQname ? Rr.atQname(r) : Rr.of(rename == null ? r : r.withName(rename)));
        }
        return out;
    }

    private Sections negative(int rcode, boolean mayFallThrough) {
        return new Sections(rcode, true, mayFallThrough, List.of(), soa, List.of());
    }

    /** A referral to the cut owning {@code ns}; AA only when the answer already holds an alias of ours. */
    private Sections referral(List<Rr> answer, List<Record> ns) {
        return new Sections(Rcode.NOERROR, !answer.isEmpty(), false, answer, wrap(ns, null, false), glue(ns));
    }

    /** CoreDNS's reply at a name that exists (exactly or through a wildcard). */
    private Sections found(Entry e, Owner owner, int qtype, int depth) {
        boolean apex = e.name.equals(zone.origin());
        if (apex && qtype == Type.SOA) {
            return new Sections(Rcode.NOERROR, true, false, wrap(e.rrset(Type.SOA), owner.rename, owner.atQname), apexNs,
                    List.of());
        }
        if (apex && qtype == Type.NS) {
            List<Record> ns = e.rrsets.getOrDefault(Type.NS, List.of());
            return new Sections(Rcode.NOERROR, true, false, wrap(ns, owner.rename, owner.atQname), List.of(), glue(ns));
        }
        List<Record> cname = e.rrset(Type.CNAME);
        if (cname != null && qtype != Type.CNAME) {
            return chase(wrap(cname, owner.rename, owner.atQname), ((CNAMERecord) cname.getFirst()).getTarget(), qtype,
                    depth + 1);
        }
        List<Record> rrs = e.rrset(qtype);
        if (rrs == null) {
            return negative(Rcode.NOERROR, false);
        }
        List<Rr> answer = wrap(rrs, owner.rename, owner.atQname);
        return new Sections(Rcode.NOERROR, true, false, answer, apexNs, additional(answer));
    }

    /** Follows a CNAME chain (CoreDNS externalLookup); names outside the zone are left to the client. */
    private Sections chase(List<Rr> chain, Name target, int qtype, int depth) {
        List<Rr> answer = new ArrayList<>(chain);
        for (int step = 0; step <= MAX_CHASE; step++) {
            if (!target.subdomain(zone.origin())) {
                return new Sections(Rcode.NOERROR, true, false, answer, apexNs, additional(answer));
            }
            int code = resolve(target, qtype);
            int kind = ZoneSnapshot.kind(code);
            if (kind == ZoneSnapshot.DELEGATION) {
                return referral(answer, snapshot.entry(ZoneSnapshot.index(code)).rrset(Type.NS));
            }
            boolean apexSpecial = target.equals(zone.origin()) && (qtype == Type.NS || qtype == Type.SOA);
            if (kind != ZoneSnapshot.EXACT || apexSpecial) {
                Sections sub = lookup(target, qtype, depth + 1);
                answer.addAll(sub.answer());
                boolean negative = sub.rcode() == Rcode.NXDOMAIN || sub.answer().isEmpty();
                return new Sections(sub.rcode(), true, false, answer, negative ? soa : apexNs, additional(answer));
            }
            Entry e = snapshot.entry(ZoneSnapshot.index(code));
            List<Record> next = e.rrset(Type.CNAME);
            if (next == null) {
                List<Record> rrs = e.rrset(qtype);
                if (rrs != null) {
                    answer.addAll(wrap(rrs, null, false));
                }
                return new Sections(Rcode.NOERROR, true, false, answer, apexNs, additional(answer));
            }
            answer.addAll(wrap(next, null, false));
            target = ((CNAMERecord) next.getFirst()).getTarget();
        }
        return new Sections(Rcode.NOERROR, true, false, answer, apexNs, additional(answer));
    }

    /** The whole lookup for a name inside the zone, as CoreDNS's upstream would do it for a CNAME target. */
    private Sections lookup(Name name, int qtype, int depth) {
        if (depth > MAX_CHASE) {
            return new Sections(Rcode.SERVFAIL, true, false, List.of(), List.of(), List.of());
        }
        int code = resolve(name, qtype);
        return switch (ZoneSnapshot.kind(code)) {
            case ZoneSnapshot.EXACT -> found(snapshot.entry(ZoneSnapshot.index(code)), new Owner(false, null), qtype, depth);
            case ZoneSnapshot.WILDCARD -> found(snapshot.entry(ZoneSnapshot.index(code)), new Owner(false, name), qtype, depth);
            case ZoneSnapshot.DELEGATION -> referral(List.of(), snapshot.entry(ZoneSnapshot.index(code)).rrset(Type.NS));
            case ZoneSnapshot.NXDOMAIN -> negative(Rcode.NXDOMAIN, false);
            default -> negative(Rcode.NOERROR, false);
        };
    }

    private int resolve(Name name, int qtype) {
        byte[] wire = name.toWireCanonical();
        return snapshot.resolve(new UnsafeBuffer(wire), 0, wire.length, name.labels() - zone.origin().labels(), qtype);
    }

    /** A and AAAA of in-zone MX, SRV, SVCB and HTTPS targets, each target once. */
    private List<Rr> additional(List<Rr> answer) {
        List<Rr> extra = new ArrayList<>();
        Set<Name> seen = new LinkedHashSet<>();
        for (Rr rr : answer) {
            Name target = switch (rr.record()) {
                case MXRecord mx -> mx.getTarget();
                case SRVRecord srv -> srv.getTarget();
                case SVCBBase svcb -> svcb.getTargetName();
                default -> null;
            };
            if (target != null && target.subdomain(zone.origin()) && seen.add(target)) {
                addAddresses(target, extra);
            }
        }
        return extra;
    }

    /** Glue: addresses of name servers that lie inside the delegated (or apex) name. */
    private List<Rr> glue(List<Record> ns) {
        List<Rr> extra = new ArrayList<>();
        for (Record r : ns) {
            if (r instanceof NSRecord n && n.getTarget().subdomain(n.getName())) {
                addAddresses(n.getTarget(), extra);
            }
        }
        return extra;
    }

    private void addAddresses(Name name, List<Rr> extra) {
        Integer at = index.get(name);
        if (at == null || entries.get(at).isEmptyNonTerminal()) {
            return;
        }
        Entry e = entries.get(at);
        for (int type : new int[] {Type.A, Type.AAAA}) {
            List<Record> rrs = e.rrset(type);
            if (rrs != null) {
                extra.addAll(wrap(rrs, null, false));
            }
        }
    }
}
