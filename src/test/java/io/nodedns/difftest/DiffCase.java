package io.nodedns.difftest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * One differential case: a query (raw bytes), how it is sent (UDP or TCP, how many times), and
 * what RFC says the last reply must be. Every reply is also held to RFC 1035 4.1.1: same ID,
 * QR=1, the query's opcode and RD, and the question as sent, byte for byte (RFC 4343 4.1).
 */
final class DiffCase {
    /** One check: a description (with its RFC) and the test on the parsed reply. */
    record Check(String what, Predicate<Message> test) {
    }

    final String id;
    final String rfc;
    final byte[] query;
    boolean tcp;
    int sends = 1;
    /** Sleep between sends (cache repeats). */
    long pauseMillis;
    /** Issue 18 item fixed on another branch: a failure here is expected until that merge. */
    int item;
    /** Largest reply allowed (the client's buffer), 0 for no limit. */
    int maxSize;
    /** Where nodedns departs from the RFC on purpose, as CoreDNS does (also in docs/plugins/cache.md). */
    String departure;
    final List<Check> checks = new ArrayList<>();

    DiffCase(String id, String rfc, byte[] query) {
        this.id = id;
        this.rfc = rfc;
        this.query = query;
    }

    DiffCase tcp() {
        tcp = true;
        return this;
    }

    DiffCase sends(int n, long pauseMillis) {
        sends = n;
        this.pauseMillis = pauseMillis;
        return this;
    }

    DiffCase maxSize(int bytes) {
        maxSize = bytes;
        return this;
    }

    DiffCase item(int n) {
        item = n;
        return this;
    }

    DiffCase departure(String text) {
        departure = text;
        return this;
    }

    DiffCase check(String what, Predicate<Message> test) {
        checks.add(new Check(what, test));
        return this;
    }

    DiffCase rcode(int rcode) {
        return check("rcode " + org.xbill.DNS.Rcode.string(rcode), m -> m.getRcode() == rcode);
    }

    DiffCase flag(int flag, boolean set) {
        return check(Flags.string(flag) + "=" + (set ? 1 : 0), m -> m.getHeader().getFlag(flag) == set);
    }

    DiffCase answers(int type, int atLeast) {
        return check(atLeast + "+ " + org.xbill.DNS.Type.string(type) + " in answer",
                m -> count(m, Section.ANSWER, type) >= atLeast);
    }

    DiffCase answer(int type, String rdata) {
        return check(org.xbill.DNS.Type.string(type) + " " + rdata + " in answer",
                m -> m.getSection(Section.ANSWER).stream().anyMatch(r -> r.getType() == type && sameRdata(r, rdata)));
    }

    /** Compares in dnsjava's presentation form, so {@code ::1} matches however dnsjava prints it. */
    private static boolean sameRdata(org.xbill.DNS.Record r, String rdata) {
        try {
            return org.xbill.DNS.Record.fromString(r.getName(), r.getType(), r.getDClass(), r.getTTL(), rdata,
                    org.xbill.DNS.Name.root).rdataToString().equals(r.rdataToString());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("case rdata " + rdata + ": " + e.getMessage(), e);
        }
    }

    DiffCase noAnswer() {
        return check("empty answer", m -> m.getSection(Section.ANSWER).isEmpty());
    }

    DiffCase soaInAuthority() {
        return check("SOA in authority (RFC 2308 3)", m -> count(m, Section.AUTHORITY, org.xbill.DNS.Type.SOA) == 1);
    }

    /** Exactly one OPT with version 0 (RFC 6891 6.1.1), or none. */
    DiffCase opt(boolean present) {
        if (!present) {
            return check("no OPT (RFC 6891 7)", m -> count(m, Section.ADDITIONAL, org.xbill.DNS.Type.OPT) == 0);
        }
        return check("exactly one OPT (RFC 6891 6.1.1)",
                m -> count(m, Section.ADDITIONAL, org.xbill.DNS.Type.OPT) == 1);
    }

    DiffCase doBit(boolean set) {
        return check("DO=" + (set ? 1 : 0) + " in the OPT (RFC 3225 3)", m -> {
            OPTRecord opt = m.getOPT();
            return opt != null && ((opt.getFlags() & org.xbill.DNS.ExtendedFlags.DO) != 0) == set;
        });
    }

    DiffCase ttlAtMost(int type, long max) {
        return check("TTL of " + org.xbill.DNS.Type.string(type) + " <= " + max,
                m -> m.getSection(Section.ANSWER).stream().filter(r -> r.getType() == type)
                        .allMatch(r -> r.getTTL() <= max));
    }

    DiffCase ownerExact(String owner) {
        return check("answer owner " + owner + " exactly",
                m -> !m.getSection(Section.ANSWER).isEmpty()
                        && m.getSection(Section.ANSWER).stream().allMatch(r -> r.getName().toString().equals(owner)));
    }

    static int count(Message m, int section, int type) {
        int n = 0;
        for (Record r : m.getSection(section)) {
            if (r.getType() == type) {
                n++;
            }
        }
        return n;
    }

    /** Failures of the last reply ({@code wire}); empty when it passes. */
    List<String> judge(byte[] wire) {
        List<String> failed = new ArrayList<>();
        if (wire == null) {
            failed.add("no reply");
            return failed;
        }
        if (wire.length < 12) {
            failed.add("reply shorter than a header");
            return failed;
        }
        if (wire[0] != query[0] || wire[1] != query[1]) {
            failed.add("ID not the query's (RFC 1035 4.1.1)");
        }
        if (maxSize > 0 && wire.length > maxSize) {
            failed.add(wire.length + " bytes, past the client's " + maxSize + " (RFC 1035 4.2.1, RFC 6891 7)");
        }
        if ((wire[2] & 0x80) == 0) {
            failed.add("QR=0");
        }
        if ((wire[2] & 0x78) != (query[2] & 0x78)) {
            failed.add("opcode not the query's (RFC 1035 4.1.1)");
        }
        if ((wire[2] & 0x01) != (query[2] & 0x01)) {
            failed.add("RD not copied (RFC 1035 4.1.1)");
        }
        int qEnd = questionEnd(query);
        boolean hasQuestion = ((wire[4] & 0xff) << 8 | (wire[5] & 0xff)) > 0;
        if (hasQuestion && qEnd > 12 && (wire.length < qEnd || !Arrays.equals(wire, 12, qEnd, query, 12, qEnd))) {
            failed.add("question not the client's exact bytes (RFC 4343 4.1, RFC 1035 4.1.1)");
        }
        Message m;
        try {
            m = new Message(wire);
        } catch (java.io.IOException e) {
            failed.add("reply does not parse: " + e.getMessage());
            return failed;
        }
        for (Check c : checks) {
            if (!c.test().test(m)) {
                failed.add(c.what());
            }
        }
        return failed;
    }

    /** End of the first question of a query (uncompressed), or 12 without one. */
    static int questionEnd(byte[] q) {
        if (((q[4] & 0xff) << 8 | (q[5] & 0xff)) == 0) {
            return 12;
        }
        int pos = 12;
        while (pos < q.length && q[pos] != 0) {
            pos += (q[pos] & 0xff) + 1;
        }
        return pos + 5;
    }
}
