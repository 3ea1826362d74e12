package io.nodedns.plugin.file;

import io.nodedns.plugin.file.AnswerBuilder.Rr;
import io.nodedns.plugin.file.AnswerBuilder.Sections;
import io.nodedns.plugin.file.ZoneFileReader.ZoneRecords;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.agrona.collections.IntArrayList;
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
 * Builds a {@link ZoneSnapshot} from a zone's packed records, following CoreDNS's plugin/file
 * lookup: answers carry the apex NS in authority, negative answers the SOA (RFC 2308), referrals
 * the cut's NS and in-bailiwick glue with AA=0, MX/SRV/SVCB targets in the zone get their
 * addresses in additional, and CNAMEs are chased inside the zone (a chain leaving it is marked,
 * {@link Answer#externalTarget}). Replies that a name's own
 * records make (most names) are written from the packed data at query time; only the names
 * marked {@link ZoneStore#COMPLEX} get precomputed replies, and a CNAME's reply for a type keeps
 * no copy when it equals its reply for any other type.
 */
final class ZoneCompiler {
    /** CoreDNS gives up following CNAMEs after this many steps. */
    private static final int MAX_CHASE = 8;
    /** A type no zone holds, to precompute "any other type" replies. */
    private static final int OTHER_TYPE = 65280;

    private final ZoneRecords zone;
    private final ZoneStore store;
    private List<Rr> apexNs;
    private List<Rr> soa;
    private ZoneSnapshot snapshot;

    private ZoneCompiler(ZoneRecords zone) {
        this.zone = zone;
        this.store = zone.store();
    }

    static ZoneSnapshot compile(ZoneRecords zone) {
        return new ZoneCompiler(zone).build();
    }

    private ZoneSnapshot build() {
        soa = List.of(Rr.of(zone.soa()));
        apexNs = wrap(orEmpty(store.rrset(store.apex, Type.NS)), null, false);
        Sections tail = new Sections(Rcode.NOERROR, true, false, List.of(), apexNs, List.of());
        snapshot = new ZoneSnapshot(zone.serial(), store,
                AnswerBuilder.build(negative(Rcode.NXDOMAIN, true)),
                AnswerBuilder.build(negative(Rcode.NOERROR, true)),
                AnswerBuilder.build(negative(Rcode.NOERROR, false)),
                AnswerBuilder.build(tail), AnswerBuilder.build(tail, false));
        IntArrayList complex = store.complexEntries();
        for (int i = 0; i < complex.size(); i++) {
            int e = complex.getInt(i);
            ZoneSnapshot.Complex c = new ZoneSnapshot.Complex();
            snapshot.complex.put(e, c);
            store.budget.charge(COMPLEX_BYTES);
            if ((store.flags(e) & ZoneStore.CUT) != 0) {
                c.delegation = charged(AnswerBuilder.build(referral(List.of(), store.rrset(e, Type.NS))));
            }
        }
        Answer sharedNodata = snapshot.answer(ZoneSnapshot.WILDCARD_NODATA, 0);
        Owner atQname = new Owner(true, null);
        for (int i = 0; i < complex.size(); i++) {
            int e = complex.getInt(i);
            boolean chases = store.first(e, Type.CNAME) != ZoneStore.NO_RECORD;
            List<Integer> chained = chases ? chaseTypes(e) : null;
            List<Integer> types = new ArrayList<>(
                    chained != null ? chained : chases ? store.zoneTypes : store.types(e));
            if ((chained == null && chases || e == store.apex) && !types.contains(Type.SOA)) {
                types.add(Type.SOA);
            }
            Answer otherwise = chases ? charged(AnswerBuilder.build(found(e, atQname, OTHER_TYPE, 0))) : sharedNodata;
            int[] typeArray = new int[types.size()];
            Answer[] answers = new Answer[types.size()];
            int n = 0;
            for (int type : types) {
                Answer a = AnswerBuilder.build(found(e, atQname, type, 0));
                if (!a.equals(otherwise)) {
                    typeArray[n] = type;
                    answers[n++] = charged(a);
                }
            }
            snapshot.complex.get(e).answers(java.util.Arrays.copyOf(typeArray, n), java.util.Arrays.copyOf(answers, n),
                    otherwise);
        }
        snapshot.footprint(store.budget.used());
        return snapshot;
    }

    /** A {@link ZoneSnapshot.Complex} with its map slot and arrays, roughly. */
    private static final int COMPLEX_BYTES = 96;

    private Answer charged(Answer a) {
        store.budget.charge(a.retainedBytes() + 8);
        return a;
    }

    /**
     * The types for which CNAME owner {@code e}'s reply can differ from its reply to any other type:
     * CNAME and the types the chain's end owns; null (every type) when the chain ends anywhere
     * but at an ordinary in-zone name (apex, wildcard, cut, missing name, loop).
     */
    private List<Integer> chaseTypes(int e) {
        Name target = ((CNAMERecord) rrset(e, Type.CNAME).getFirst()).getTarget();
        for (int step = 0; step <= MAX_CHASE; step++) {
            if (!target.subdomain(zone.origin())) {
                return List.of(Type.CNAME);
            }
            int code = resolve(target, 0);
            if (target.equals(zone.origin()) || ZoneSnapshot.kind(code) != ZoneSnapshot.EXACT) {
                return null;
            }
            int end = ZoneSnapshot.index(code);
            List<Record> next = rrset(end, Type.CNAME);
            if (next == null) {
                List<Integer> types = new ArrayList<>(store.types(end));
                types.add(Type.CNAME);
                return types;
            }
            target = ((CNAMERecord) next.getFirst()).getTarget();
        }
        return null;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** How owners are written: as the query name, renamed (a wildcard reached through a CNAME), or as stored. */
    private record Owner(boolean atQname, Name rename) {
    }

    private static List<Rr> wrap(List<Record> records, Name rename, boolean atQname) {
        List<Rr> out = new ArrayList<>(records.size());
        for (Record r : records) {
            out.add(atQname ? Rr.atQname(r) : Rr.of(rename == null ? r : r.withName(rename)));
        }
        return out;
    }

    private List<Record> rrset(int e, int type) {
        if (e == store.apex && type == Type.SOA) {
            return List.of(zone.soa());
        }
        return store.rrset(e, type);
    }

    private Sections negative(int rcode, boolean mayFallThrough) {
        return new Sections(rcode, true, mayFallThrough, List.of(), soa, List.of());
    }

    /** A referral to the cut owning {@code ns}; AA only when the answer already holds an alias of ours. */
    private Sections referral(List<Rr> answer, List<Record> ns) {
        return new Sections(Rcode.NOERROR, !answer.isEmpty(), false, answer, wrap(ns, null, false), glue(ns));
    }

    /** CoreDNS's reply at a name that exists (exactly or through a wildcard). */
    private Sections found(int e, Owner owner, int qtype, int depth) {
        boolean apex = e == store.apex;
        if (apex && qtype == Type.SOA) {
            return new Sections(Rcode.NOERROR, true, false, wrap(rrset(e, Type.SOA), owner.rename, owner.atQname),
                    apexNs,
                    List.of());
        }
        if (apex && qtype == Type.NS) {
            List<Record> ns = orEmpty(rrset(e, Type.NS));
            return new Sections(Rcode.NOERROR, true, false, wrap(ns, owner.rename, owner.atQname), List.of(), glue(ns));
        }
        List<Record> cname = rrset(e, Type.CNAME);
        if (cname != null && qtype != Type.CNAME) {
            return chase(wrap(cname, owner.rename, owner.atQname), ((CNAMERecord) cname.getFirst()).getTarget(), qtype,
                    depth + 1);
        }
        List<Record> rrs = rrset(e, qtype);
        if (rrs == null) {
            return negative(Rcode.NOERROR, false);
        }
        List<Rr> answer = wrap(rrs, owner.rename, owner.atQname);
        return new Sections(Rcode.NOERROR, true, false, answer, apexNs, additional(answer));
    }

    /**
     * Follows a CNAME chain (CoreDNS externalLookup); a name outside the zone is marked for the
     * handler to look up through the server at query time ({@code SelfLookup}).
     */
    private Sections chase(List<Rr> chain, Name target, int qtype, int depth) {
        List<Rr> answer = new ArrayList<>(chain);
        for (int step = 0; step <= MAX_CHASE; step++) {
            if (!target.subdomain(zone.origin())) {
                return new Sections(Rcode.NOERROR, true, false, answer, apexNs, additional(answer), target);
            }
            int code = resolve(target, qtype);
            int kind = ZoneSnapshot.kind(code);
            if (kind == ZoneSnapshot.DELEGATION) {
                return referral(answer, rrset(ZoneSnapshot.index(code), Type.NS));
            }
            boolean apexSpecial = target.equals(zone.origin()) && (qtype == Type.NS || qtype == Type.SOA);
            if (kind != ZoneSnapshot.EXACT || apexSpecial) {
                Sections sub = lookup(target, qtype, depth + 1);
                answer.addAll(sub.answer());
                boolean negative = sub.rcode() == Rcode.NXDOMAIN || sub.answer().isEmpty();
                return new Sections(sub.rcode(), true, false, answer, negative ? soa : apexNs, additional(answer));
            }
            int e = ZoneSnapshot.index(code);
            List<Record> next = rrset(e, Type.CNAME);
            if (next == null) {
                List<Record> rrs = rrset(e, qtype);
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
            case ZoneSnapshot.EXACT -> found(ZoneSnapshot.index(code), new Owner(false, null), qtype, depth);
            case ZoneSnapshot.WILDCARD -> found(ZoneSnapshot.index(code), new Owner(false, name), qtype, depth);
            case ZoneSnapshot.DELEGATION -> referral(List.of(), rrset(ZoneSnapshot.index(code), Type.NS));
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
        int e = store.entry(name);
        if (e < 0 || (store.flags(e) & ZoneStore.EMPTY) != 0) {
            return;
        }
        for (int type : new int[]{Type.A, Type.AAAA}) {
            List<Record> rrs = rrset(e, type);
            if (rrs != null) {
                extra.addAll(wrap(rrs, null, false));
            }
        }
    }
}
