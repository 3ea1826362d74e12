package io.nodedns.k8s.dns;

import java.util.List;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * One question relative to its zone: {@code labels} are the lowercase labels left of the zone,
 * leftmost first; {@code name} is the question name as asked (owner names keep its case) and
 * {@code zone} the zone part of it, also in the query's case (SRV targets and SOA names use it);
 * {@code self} is the address the query arrived on when known (for {@code ns.dns.ZONE}), else null.
 */
public record Query(Name name, Name zone, List<String> labels, int type, long ttl, java.net.InetAddress self) {
    /** {@code prefix} (lowercase labels, "a.b") followed by the zone as asked. */
    public Name under(String prefix) {
        try {
            return Name.concatenate(Name.fromString(prefix), zone);
        } catch (TextParseException | org.xbill.DNS.NameTooLongException e) {
            return null;
        }
    }

    public int size() {
        return labels.size();
    }

    /** The i-th label counted from the right (0 = the one next to the zone). */
    public String fromRight(int i) {
        return labels.get(labels.size() - 1 - i);
    }
}
