package io.nodedns.difftest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The cases, each with the RFC's expectation written into it. Order matters only where a case
 * says "hit": it relies on an earlier case having cached the name. Names asked once are fresh, so
 * that case is a cache miss.
 */
final class DiffCases {
    static final int BIG_A = 100;

    private DiffCases() {}

    private static Message query(String name, int type) {
        try {
            Message m = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
            m.getHeader().setFlag(Flags.RD);
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Message edns(Message m, int size, boolean dnssecOk) {
        m.addRecord(new OPTRecord(size, 0, 0, dnssecOk ? ExtendedFlags.DO : 0), Section.ADDITIONAL);
        return m;
    }

    private static byte[] plain(String name, int type) {
        return query(name, type).toWire();
    }

    private static byte[] withEdns(String name, int type, int size, boolean dnssecOk) {
        return edns(query(name, type), size, dnssecOk).toWire();
    }

    private static byte[] flagged(Message m, int flag, boolean on) {
        if (on) {
            m.getHeader().setFlag(flag);
        } else {
            m.getHeader().unsetFlag(flag);
        }
        return m.toWire();
    }

    private static byte[] opcode(int opcode, boolean withOpt) {
        Message m = query("op.plain.test.", Type.A);
        m.getHeader().setOpcode(opcode);
        return (withOpt ? edns(m, 1232, false) : m).toWire();
    }

    /** A query with its OPT record twice (ARCOUNT 2). */
    private static byte[] twoOpts() {
        byte[] one = withEdns("twoopt.plain.test.", Type.A, 1232, false);
        int optLength = 11;
        byte[] two = Arrays.copyOf(one, one.length + optLength);
        System.arraycopy(one, one.length - optLength, two, one.length, optLength);
        two[11] = 2;
        return two;
    }

    static List<DiffCase> all() {
        List<DiffCase> c = new ArrayList<>();
        // answers, miss then hit
        c.add(new DiffCase("a-miss", "RFC 1035 4.1.1", plain("host.plain.test.", Type.A))
                .rcode(Rcode.NOERROR).answer(Type.A, "192.0.2.10").opt(false));
        c.add(new DiffCase("a-hit", "RFC 1035 4.1.1", plain("host.plain.test.", Type.A))
                .rcode(Rcode.NOERROR).answer(Type.A, "192.0.2.10").flag(Flags.AA, false).opt(false));
        // not in issue 18: the upstream's RA=0 (knot is authoritative) is relayed, as CoreDNS's forward and cache do
        c.add(new DiffCase("ra-miss", "RFC 1035 4.1.1: RA=1, recursion is available",
                plain("host.plain.test.", Type.MX))
                .rcode(Rcode.NOERROR).flag(Flags.RA, true));
        c.add(new DiffCase("ra-hit", "RFC 1035 4.1.1: RA=1 on a hit", plain("host.plain.test.", Type.MX))
                .rcode(Rcode.NOERROR).flag(Flags.RA, true));
        c.add(new DiffCase("nodata", "RFC 2308 2.2: NOERROR, no answer, SOA", plain("host.plain.test.", Type.AAAA))
                .rcode(Rcode.NOERROR).noAnswer().soaInAuthority());
        c.add(new DiffCase("mx", "RFC 1035 3.3.9", plain("mail.plain.test.", Type.MX))
                .rcode(Rcode.NOERROR).answer(Type.MX, "10 host.plain.test."));
        c.add(new DiffCase("txt", "RFC 1035 3.3.14", plain("host.plain.test.", Type.TXT))
                .rcode(Rcode.NOERROR).answer(Type.TXT, "\"hello world\""));
        c.add(new DiffCase("nxdomain", "RFC 2308 2.1, 3: NXDOMAIN with the SOA", plain("nope.plain.test.", Type.A))
                .rcode(Rcode.NXDOMAIN).noAnswer().soaInAuthority());
        c.add(new DiffCase("nxdomain-repeat", "RFC 2308 5: a cached NXDOMAIN keeps its SOA",
                plain("nope2.plain.test.", Type.A))
                .sends(2, 0).rcode(Rcode.NXDOMAIN).soaInAuthority());
        c.add(new DiffCase("cname", "RFC 1034 3.6.2: the CNAME and the target's data", plain("www.plain.test.", Type.A))
                .rcode(Rcode.NOERROR).answer(Type.CNAME, "host.plain.test.").answer(Type.A, "192.0.2.10"));
        c.add(new DiffCase("cname-repeat", "RFC 1034 3.6.2", plain("www.plain.test.", Type.A)).sends(2, 0)
                .rcode(Rcode.NOERROR).answer(Type.CNAME, "host.plain.test.").answer(Type.A, "192.0.2.10"));
        c.add(new DiffCase("soa-apex", "RFC 1035 3.3.13", plain("plain.test.", Type.SOA)).rcode(Rcode.NOERROR)
                .answers(Type.SOA, 1));
        c.add(new DiffCase("ns-apex", "RFC 1035 3.3.11", plain("plain.test.", Type.NS)).rcode(Rcode.NOERROR)
                .answers(Type.NS, 1));
        c.add(new DiffCase("unknown-type", "RFC 3597 3: an unknown type is NODATA, not an error",
                plain("host.plain.test.", 65280))
                .rcode(Rcode.NOERROR).noAnswer());
        c.add(new DiffCase("rd0", "RFC 1035 4.1.1: RD copied",
                flagged(query("host.plain.test.", Type.A), Flags.RD, false))
                .rcode(Rcode.NOERROR));
        // wildcards (RFC 4592)
        c.add(new DiffCase("wildcard", "RFC 4592 3.3.1: the synthesised owner is the query name",
                plain("foo.wild.test.", Type.A))
                .rcode(Rcode.NOERROR).answer(Type.A, "192.0.2.20").ownerExact("foo.wild.test."));
        c.add(new DiffCase("wildcard-nodata", "RFC 4592 3.3.1, RFC 2308 2.2", plain("bar.wild.test.", Type.AAAA))
                .rcode(Rcode.NOERROR).noAnswer().soaInAuthority());
        c.add(new DiffCase("wildcard-exact", "RFC 4592 2.2.1: an existing name is not synthesised",
                plain("exact.wild.test.", Type.A))
                .rcode(Rcode.NOERROR).answer(Type.A, "192.0.2.21"));
        // sizes and truncation
        c.add(new DiffCase("big-udp-512", "RFC 1035 4.2.1, RFC 2181 9: at most 512 bytes, TC=1",
                plain("many.big.test.", Type.A))
                .maxSize(512).rcode(Rcode.NOERROR).flag(Flags.TC, true));
        c.add(new DiffCase("big-udp-512-hit", "RFC 1035 4.2.1 on a cache hit", plain("many.big.test.", Type.A))
                .maxSize(512).flag(Flags.TC, true));
        c.add(new DiffCase("big-udp-4096", "RFC 6891 6.2.3: the whole RRset in the client's 4096",
                withEdns("many.big.test.", Type.A, 4096, false))
                .maxSize(4096).rcode(Rcode.NOERROR).flag(Flags.TC, false).answers(Type.A, BIG_A).opt(true));
        c.add(new DiffCase("big-edns-below-512", "RFC 6891 6.2.5: a size below 512 counts as 512",
                withEdns("many.big.test.", Type.A, 256, false))
                .maxSize(512).flag(Flags.TC, true).opt(true));
        c.add(new DiffCase("big-txt-1232", "RFC 6891 7: fits the 1232 asked for, TC=1 if cut",
                withEdns("txt.big.test.", Type.TXT, 1232, false))
                .maxSize(1232).flag(Flags.TC, true));
        c.add(new DiffCase("big-tcp", "RFC 7766 5: the whole RRset over TCP, no TC", plain("many.big.test.", Type.A))
                .tcp()
                .rcode(Rcode.NOERROR).flag(Flags.TC, false).answers(Type.A, BIG_A));
        c.add(new DiffCase("big-txt-tcp", "RFC 7766 5", plain("txt.big.test.", Type.TXT)).tcp()
                .rcode(Rcode.NOERROR).flag(Flags.TC, false).answers(Type.TXT, 40));
        // EDNS
        c.add(new DiffCase("edns", "RFC 6891 6.1.1, 7: one OPT back, DO clear",
                withEdns("host.plain.test.", Type.A, 1232, false))
                .rcode(Rcode.NOERROR).opt(true).doBit(false));
        c.add(new DiffCase("no-edns", "RFC 6891 7: no OPT to a client that sent none", plain("www.plain.test.", Type.A))
                .opt(false));
        Message v1 = query("host.plain.test.", Type.A);
        v1.addRecord(new OPTRecord(1232, 0, 1, 0), Section.ADDITIONAL);
        c.add(new DiffCase("badvers", "RFC 6891 6.1.3: version 1 gets BADVERS with an OPT", v1.toWire())
                .rcode(Rcode.BADVERS).opt(true));
        Message unknownOption = query("host.plain.test.", Type.A);
        unknownOption.addRecord(
                new OPTRecord(1232, 0, 0, 0, List.<EDNSOption>of(new GenericEDNSOption(65001, new byte[]{1, 2}))),
                Section.ADDITIONAL);
        c.add(new DiffCase("unknown-option", "RFC 6891 6.1.2: an option not understood is ignored, not echoed",
                unknownOption.toWire())
                .rcode(Rcode.NOERROR).opt(true).check("option 65001 not echoed",
                        m -> m.getOPT() == null || m.getOPT().getOptions(65001).isEmpty()));
        c.add(new DiffCase("two-opt", "RFC 6891 6.1.1: FORMERR, with one OPT", twoOpts()).item(3)
                .rcode(Rcode.FORMERR).opt(true));
        // opcodes
        c.add(new DiffCase("opcode-3-opt", "RFC 1035 4.1.1, RFC 6891 7: NOTIMP with an OPT", opcode(3, true)).item(2)
                .rcode(Rcode.NOTIMP).opt(true));
        c.add(new DiffCase("opcode-status-opt", "RFC 1035 4.1.1, RFC 6891 7: NOTIMP with an OPT",
                opcode(Opcode.STATUS, true)).item(2)
                .rcode(Rcode.NOTIMP).opt(true));
        c.add(new DiffCase("opcode-3", "RFC 1035 4.1.1: NOTIMP, no OPT", opcode(3, false)).rcode(Rcode.NOTIMP)
                .opt(false));
        c.add(new DiffCase("no-question", "RFC 1035 4.1.1: a query without a question is FORMERR",
                new byte[]{0x12, 0x34, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0}).rcode(Rcode.FORMERR));
        // DNSSEC (knot signs signed.test)
        c.add(new DiffCase("do-signed", "RFC 4035 3.2.1: DO=1 gets the RRSIGs; RFC 3225 3: DO echoed",
                withEdns("host.signed.test.", Type.A, 1232, true)).rcode(Rcode.NOERROR).answers(Type.RRSIG, 1)
                .doBit(true));
        c.add(new DiffCase("nodo-signed", "RFC 4035 3.2.1, RFC 3225 3: no RRSIG without DO",
                withEdns("host.signed.test.", Type.A, 1232, false)).rcode(Rcode.NOERROR).answer(Type.A, "192.0.2.30")
                .check("no RRSIG", m -> DiffCase.count(m, Section.ANSWER, Type.RRSIG) == 0).doBit(false));
        c.add(new DiffCase("dnskey", "RFC 4035 3.1.1", withEdns("signed.test.", Type.DNSKEY, 1232, true))
                .rcode(Rcode.NOERROR).answers(Type.DNSKEY, 1).answers(Type.RRSIG, 1));
        c.add(new DiffCase("cd-miss", "RFC 4035 3.2.2: CD copied into the reply",
                flagged(query("ns.signed.test.", Type.A), Flags.CD, true))
                .item(1).rcode(Rcode.NOERROR).flag(Flags.CD, true));
        c.add(new DiffCase("cd-hit", "RFC 4035 3.2.2 on a cache hit",
                flagged(query("ns.signed.test.", Type.A), Flags.CD, true))
                .item(1).flag(Flags.CD, true));
        c.add(new DiffCase("do-cd-miss", "RFC 4035 3.2.2: CD copied with DO",
                flagged(edns(query("signed.test.", Type.SOA), 1232, true), Flags.CD, true))
                .item(1).rcode(Rcode.NOERROR).flag(Flags.CD, true).answers(Type.RRSIG, 1).doBit(true));
        // case (RFC 4343 4.1; 0x20 clients)
        c.add(new DiffCase("case-miss", "RFC 4343 4.1: the client's bytes in the question and the owner",
                plain("CaSe1.WiLd.TeSt.", Type.A)).item(4).rcode(Rcode.NOERROR).ownerExact("CaSe1.WiLd.TeSt."));
        c.add(new DiffCase("case-hit", "RFC 4343 4.1 on a cache hit", plain("HOST.PLAIN.TEST.", Type.A))
                .rcode(Rcode.NOERROR));
        // special-use names (RFC 6761)
        c.add(new DiffCase("localhost", "RFC 6761 6.3: localhost. is 127.0.0.1, never forwarded",
                plain("localhost.", Type.A))
                .item(7).rcode(Rcode.NOERROR).answer(Type.A, "127.0.0.1"));
        c.add(new DiffCase("localhost-sub", "RFC 6761 6.3: names under localhost. too",
                plain("foo.localhost.", Type.AAAA))
                .item(7).rcode(Rcode.NOERROR).answer(Type.AAAA, "::1"));
        c.add(new DiffCase("invalid", "RFC 6761 6.4: invalid. is NXDOMAIN", plain("foo.invalid.", Type.A)).item(7)
                .rcode(Rcode.NXDOMAIN));
        // TTLs and the cache
        c.add(new DiffCase("ttl-counts-down", "RFC 1035 3.2.1, RFC 2181 8: a cached TTL decreases",
                plain("exact.wild.test.", Type.TXT))
                .sends(2, 1100).rcode(Rcode.NOERROR).check("TTL in the SOA below 60 after 1 s",
                        m -> m.getSection(Section.AUTHORITY).stream().allMatch(r -> r.getTTL() < 60)));
        c.add(new DiffCase("ttl-short", "RFC 2181 8: TTL 1 served as at most 1 (5: the floor)",
                plain("short.plain.test.", Type.A))
                .departure("cache minimum TTL 5 s (CoreDNS): TTL 1 is served as 5").rcode(Rcode.NOERROR)
                .ttlAtMost(Type.A, 5));
        c.add(new DiffCase("ttl-mixed", "RFC 2181 5.2: one TTL per RRset (CNAME 600, A 1)",
                plain("alias.plain.test.", Type.A))
                .departure("TTLs of a reply lowered to its smallest, then the 5 s floor (CoreDNS)").rcode(Rcode.NOERROR)
                .answer(Type.A, "192.0.2.11").ttlAtMost(Type.CNAME, 600).ttlAtMost(Type.A, 5));
        // TCP
        c.add(new DiffCase("tcp-a", "RFC 7766 5", plain("exact.wild.test.", Type.A)).tcp().rcode(Rcode.NOERROR)
                .answer(Type.A, "192.0.2.21"));
        c.add(new DiffCase("tcp-nxdomain", "RFC 7766 5, RFC 2308 3", plain("nope3.plain.test.", Type.A)).tcp()
                .rcode(Rcode.NXDOMAIN).soaInAuthority());
        c.add(new DiffCase("tcp-edns", "RFC 7766 5, RFC 6891 7", withEdns("mail.plain.test.", Type.MX, 1232, false))
                .tcp()
                .rcode(Rcode.NOERROR).opt(true));
        return c;
    }
}
