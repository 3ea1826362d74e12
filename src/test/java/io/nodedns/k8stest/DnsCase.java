package io.nodedns.k8stest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DynamicTest;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * One conformance case for the service-discovery plugins, asked over real UDP: the rcode, AA, the
 * answer as a set of "TTL TYPE RDATA" lines (order is unspecified), a SOA in authority exactly for
 * negative answers, and optionally the additional section as a set.
 */
public record DnsCase(String why, String name, int type, int rcode, Set<String> answer, Set<String> additional) {
    public static DnsCase answer(String why, String name, int type, String... lines) {
        return new DnsCase(why, name, type, Rcode.NOERROR, Set.of(lines), null);
    }

    public static DnsCase nodata(String why, String name, int type) {
        return new DnsCase(why, name, type, Rcode.NOERROR, Set.of(), null);
    }

    public static DnsCase nxdomain(String why, String name, int type) {
        return new DnsCase(why, name, type, Rcode.NXDOMAIN, Set.of(), null);
    }

    /** One line of an answer or additional set: "OWNER TTL TYPE RDATA". */
    public static String rr(String owner, int ttl, String type, String rdata) {
        return owner + " " + ttl + " " + type + " " + rdata;
    }

    public DnsCase withAdditional(String... lines) {
        return new DnsCase(why, name, type, rcode, answer, Set.of(lines));
    }

    public DynamicTest test(int port) {
        return DynamicTest.dynamicTest(why + ": " + Type.string(type) + " " + name, () -> check(port));
    }

    public void check(int port) throws Exception {
        Message r;
        try (DnsClient client = new DnsClient(port)) {
            r = client.udp(DnsClient.withEdns(DnsClient.query(name, type), 4096, false));
        }
        assertNotNull(r, "no reply");
        String shown = "\n" + r;
        assertEquals(Rcode.string(rcode), Rcode.string(r.getRcode()), "rcode" + shown);
        assertTrue(r.getHeader().getFlag(Flags.AA), "AA" + shown);
        assertEquals(name.endsWith(".") ? name : name + ".", r.getQuestion().getName().toString(),
                "question kept" + shown);
        assertEquals(answer, lines(r.getSection(Section.ANSWER)), "answer" + shown);
        List<Record> auth = r.getSection(Section.AUTHORITY);
        if (answer.isEmpty()) {
            assertEquals(1, auth.size(), "one SOA in authority" + shown);
            assertEquals(Type.SOA, auth.getFirst().getType(), "SOA in authority" + shown);
        } else {
            assertEquals(0, auth.size(), "no authority on a positive answer" + shown);
        }
        if (additional != null) {
            assertEquals(additional, lines(r.getSection(Section.ADDITIONAL)), "additional" + shown);
        }
        for (Record rec : r.getSection(Section.ANSWER)) {
            assertEquals(name.endsWith(".") ? name : name + ".", rec.getName().toString(),
                    "owner keeps the query's case" + shown);
        }
    }

    static Set<String> lines(List<Record> records) {
        Set<String> out = new TreeSet<>();
        for (Record r : records) {
            if (r.getType() == Type.OPT) {
                continue;
            }
            String rdata = switch (r) {
                case org.xbill.DNS.AAAARecord a -> io.nodedns.net.IpText.of(a.getAddress().getAddress());
                case org.xbill.DNS.TXTRecord t -> "\"" + String.join("\" \"", t.getStrings()) + "\"";
                default -> r.rdataToString();
            };
            out.add(r.getName() + " " + r.getTTL() + " " + Type.string(r.getType()) + " " + rdata);
        }
        return out;
    }
}
