package io.nodedns.k8s.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;

/**
 * Everything one name holds, of every type, as a resolver found it: whether the name exists (an
 * empty non-terminal exists without records), its records, and the additional (glue) records that
 * go with SRV targets. The handler then picks the asked type: records, NODATA or NXDOMAIN.
 */
public final class NameRecords {
    /** A name that does not exist. */
    public static final NameRecords NONE = new NameRecords(false);

    private final boolean exists;
    private final Set<Record> records = new LinkedHashSet<>();
    private final Set<Record> additional = new LinkedHashSet<>();
    private final List<SrvCandidate> srv = new ArrayList<>();

    private NameRecords(boolean exists) {
        this.exists = exists;
    }

    /** An existing name; add its records with the methods below. */
    public static NameRecords existing() {
        return new NameRecords(true);
    }

    /**
     * The names below the subdomain that holds the server's own name ({@code dns.ZONE}; the query has
     * one or more labels under the zone, the last one that subdomain): the subdomain exists without
     * records, {@code ns.SUB.ZONE} has the listener's address when known, nothing else exists.
     */
    public static NameRecords serverSubdomain(Query q, String ns) {
        if (q.size() == 1) {
            return existing();
        }
        if (q.size() == 2 && q.fromRight(1).equals(ns)) {
            NameRecords r = existing();
            return q.self() == null ? r : r.address(q.name(), q.ttl(), q.self());
        }
        return NONE;
    }

    public boolean exists() {
        return exists;
    }

    public NameRecords add(Record r) {
        records.add(r);
        return this;
    }

    /** An A or AAAA record for the address. */
    public NameRecords address(Name owner, long ttl, InetAddress ip) {
        records.add(ip instanceof Inet4Address
                ? new ARecord(owner, DClass.IN, ttl, ip)
                : new AAAARecord(owner, DClass.IN, ttl, ip));
        return this;
    }

    /**
     * One SRV candidate (target, port, address for glue); {@link #finish} turns them into records
     * with CoreDNS's weight, max(1, 100 / candidates), dropping duplicate (target, port) pairs and
     * duplicate glue.
     */
    public NameRecords srvCandidate(Name target, int port, InetAddress glue) {
        srv.add(new SrvCandidate(target, port, glue));
        return this;
    }

    /** An additional record that goes with the answer (glue for NS targets). */
    public NameRecords glue(Record r) {
        additional.add(r);
        return this;
    }

    /** Builds the SRV records from the candidates; call once after adding them. */
    public NameRecords finish(Name owner, long ttl) {
        if (srv.isEmpty()) {
            return this;
        }
        int weight = Math.max(1, 100 / srv.size());
        Set<String> seen = new java.util.HashSet<>();
        for (SrvCandidate c : srv) {
            if (seen.add(c.target.toString().toLowerCase(java.util.Locale.ROOT) + ":" + c.port)) {
                records.add(new SRVRecord(owner, DClass.IN, ttl, 0, weight, c.port, c.target));
            }
            if (c.glue != null) {
                additional.add(c.glue instanceof Inet4Address
                        ? new ARecord(c.target, DClass.IN, ttl, c.glue)
                        : new AAAARecord(c.target, DClass.IN, ttl, c.glue));
            }
        }
        srv.clear();
        return this;
    }

    /** The records of one type (every type for ANY). */
    public List<Record> ofType(int type) {
        List<Record> out = new ArrayList<>();
        for (Record r : records) {
            if (type == org.xbill.DNS.Type.ANY || r.getType() == type) {
                out.add(r);
            }
        }
        return out;
    }

    /** Glue for the SRV records in an answer. */
    public List<Record> additional() {
        return List.copyOf(additional);
    }

    /** A CNAME the name holds, or null (it answers every type). */
    public Record cname() {
        for (Record r : records) {
            if (r.getType() == org.xbill.DNS.Type.CNAME) {
                return r;
            }
        }
        return null;
    }

    private record SrvCandidate(Name target, int port, InetAddress glue) {
    }
}
