package io.nodedns.plugin.template;

import io.nodedns.net.IpText;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.agrona.DirectBuffer;

/**
 * CoreDNS's {@code .Message} (the query's *dns.Msg) and {@code .Question} (its *dns.Question) as Go's
 * text/template prints them, read from the query's wire form: the String() methods and field
 * values of miekg/dns v1.1.50, the version CoreDNS 1.10.1 builds with. Which field a template
 * names is resolved once, when it is compiled ({@link #field}); rendering reads the header and the
 * question where the query view already found them.
 */
final class GoDnsText {
    /** A field of .Message or .Question that a template prints; {@code flag} is the header bit of a bool. */
    enum Value {
        QUESTION(".Question", 0), QUESTION_NAME(".Question.Name", 0), QTYPE(".Question.Qtype", 0), QCLASS(
                ".Question.Qclass",
                0), MESSAGE(".Message", 0), MSG_HDR(".Message.MsgHdr", 0), MSG_QUESTION(".Message.Question",
                        0), ID(".Message.Id", 0), OPCODE(".Message.Opcode", 0), RCODE(".Message.Rcode",
                                0), RESPONSE(".Message.Response", DnsHeader.QR), AUTHORITATIVE(".Message.Authoritative",
                                        DnsHeader.AA), TRUNCATED(".Message.Truncated", DnsHeader.TC), RECURSION_DESIRED(
                                                ".Message.RecursionDesired", DnsHeader.RD), RECURSION_AVAILABLE(
                                                        ".Message.RecursionAvailable", DnsHeader.RA), ZERO(
                                                                ".Message.Zero", DnsHeader.Z), AUTHENTICATED_DATA(
                                                                        ".Message.AuthenticatedData",
                                                                        DnsHeader.AD), CHECKING_DISABLED(
                                                                                ".Message.CheckingDisabled",
                                                                                DnsHeader.CD);

        final String text;
        final int flag;

        Value(String text, int flag) {
            this.text = text;
            this.flag = flag;
        }
    }

    static final String SUPPORTED = ".Question, .Question.Name/Qtype/Qclass, .Message, .Message.Question,"
            + " .Message.MsgHdr and its fields Id Opcode Rcode Response Authoritative Truncated RecursionDesired"
            + " RecursionAvailable Zero AuthenticatedData CheckingDisabled";

    private static final String[] QUESTION_FIELDS = {"Name", "Qtype", "Qclass"};
    private static final String[] HEADER_FIELDS = {"Id", "Opcode", "Rcode", "Response", "Authoritative", "Truncated",
            "RecursionDesired", "RecursionAvailable", "Zero", "AuthenticatedData", "CheckingDisabled"};
    private static final Value[] HEADER_VALUES = {Value.ID, Value.OPCODE, Value.RCODE, Value.RESPONSE,
            Value.AUTHORITATIVE, Value.TRUNCATED, Value.RECURSION_DESIRED, Value.RECURSION_AVAILABLE, Value.ZERO,
            Value.AUTHENTICATED_DATA, Value.CHECKING_DISABLED};

    /** miekg/dns v1.1.50 TypeToString, by type number (types.go, ztypes.go). */
    private static final String[] TYPE_NAMES = new String[260];
    private static final int[] HIGH_TYPES = {32768, 32769, 65535};
    private static final String[] HIGH_TYPE_NAMES = {"TA", "DLV", "Reserved"};
    /** miekg/dns v1.1.50 OpcodeToString and RcodeToString (msg.go; BADVERS shares 16 with BADSIG). */
    private static final String[] OPCODE_NAMES = {"QUERY", "IQUERY", "STATUS", null, "NOTIFY", "UPDATE"};
    private static final String[] RCODE_NAMES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
            "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", null, null, null, null, null, "BADSIG", "BADKEY",
            "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE"};
    /** miekg/dns v1.1.50 AlgorithmToString and HashToString (dnssec.go), for the DAU, DHU and N3U options. */
    private static final String[] ALGORITHM_NAMES = new String[256];
    private static final String[] HASH_NAMES = {null, "SHA1", "SHA256", "GOST94", "SHA384", "SHA512"};

    static {
        String[] types = {"None", "A", "NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "NULL", null, "PTR", "HINFO",
                "MINFO", "MX", "TXT", "RP", "AFSDB", "X25", "ISDN", "RT", null, "NSAP-PTR", "SIG", "KEY", "PX", "GPOS",
                "AAAA", "LOC", "NXT", "EID", "NIMLOC", "SRV", "ATMA", "NAPTR", "KX", "CERT", null, "DNAME", null, "OPT",
                "APL", "DS", "SSHFP", null, "RRSIG", "NSEC", "DNSKEY", "DHCID", "NSEC3", "NSEC3PARAM", "TLSA",
                "SMIMEA", null, "HIP", "NINFO", "RKEY", "TALINK", "CDS", "CDNSKEY", "OPENPGPKEY", "CSYNC", "ZONEMD",
                "SVCB", "HTTPS"};
        System.arraycopy(types, 0, TYPE_NAMES, 0, types.length);
        String[] from99 = {"SPF", "UINFO", "UID", "GID", "UNSPEC", "NID", "L32", "L64", "LP", "EUI48", "EUI64"};
        System.arraycopy(from99, 0, TYPE_NAMES, 99, from99.length);
        String[] from249 = {"TKEY", "TSIG", "IXFR", "AXFR", "MAILB", "MAILA", "ANY", "URI", "CAA", "AVC"};
        System.arraycopy(from249, 0, TYPE_NAMES, 249, from249.length);
        String[] algorithms = {null, "RSAMD5", "DH", "DSA", null, "RSASHA1", "DSA-NSEC3-SHA1", "RSASHA1-NSEC3-SHA1",
                "RSASHA256", null, "RSASHA512", null, "ECC-GOST", "ECDSAP256SHA256", "ECDSAP384SHA384", "ED25519",
                "ED448"};
        System.arraycopy(algorithms, 0, ALGORITHM_NAMES, 0, algorithms.length);
        ALGORITHM_NAMES[252] = "INDIRECT";
        ALGORITHM_NAMES[253] = "PRIVATEDNS";
        ALGORITHM_NAMES[254] = "PRIVATEOID";
    }

    private GoDnsText() {}

    /**
     * The value a field chain after {@code .Question} or {@code .Message} names, as Go resolves it
     * on a *dns.Question or *dns.Msg (MsgHdr is embedded in Msg, so its fields are Msg's too).
     *
     * @throws IllegalArgumentException for a field Go lacks or nodedns does not print
     */
    static Value field(String[] path) {
        if (path[0].equals("Question")) {
            if (path.length == 1) {
                return Value.QUESTION;
            }
            int i = indexOf(QUESTION_FIELDS, path[1]);
            if (i < 0) {
                throw new IllegalArgumentException("can't evaluate field " + path[1] + " in type *dns.Question");
            }
            if (path.length > 2) {
                throw new IllegalArgumentException("can't evaluate field " + path[2] + " in type "
                        + (i == 0 ? "string" : "uint16"));
            }
            return new Value[]{Value.QUESTION_NAME, Value.QTYPE, Value.QCLASS}[i];
        }
        int at = 1;
        if (path.length == 1) {
            return Value.MESSAGE;
        }
        if (path[1].equals("MsgHdr")) {
            if (path.length == 2) {
                return Value.MSG_HDR;
            }
            at = 2;
        } else if (path[1].equals("Question")) {
            if (path.length > 2) {
                throw new IllegalArgumentException("can't evaluate field " + path[2] + " in type []dns.Question");
            }
            return Value.MSG_QUESTION;
        }
        int i = indexOf(HEADER_FIELDS, path[at]);
        if (i < 0) {
            throw new IllegalArgumentException(switch (path[at]) {
                case "Compress", "Answer", "Ns", "Extra" -> ".Message." + path[at] + " is not supported";
                default -> "can't evaluate field " + path[at] + " in type *dns." + (at == 1 ? "Msg" : "MsgHdr");
            } + " (nodedns supports " + SUPPORTED + ")");
        }
        if (path.length > at + 1) {
            throw new IllegalArgumentException("can't evaluate field " + path[at + 1] + " in type "
                    + (i == 0 ? "uint16" : i < 3 ? "int" : "bool"));
        }
        return HEADER_VALUES[i];
    }

    private static int indexOf(String[] names, String name) {
        for (int i = 0; i < names.length; i++) {
            if (name.equals(names[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Appends {@code v} of the query in {@code q} as Go's text/template prints it. */
    static void append(Value v, QueryView q, StringBuilder out) throws GoTemplate.Failure {
        switch (v) {
            case QUESTION -> question(q, out);
            case QUESTION_NAME -> name(q, out);
            case QTYPE -> out.append(q.qtype());
            case QCLASS -> out.append(q.qclass());
            case MESSAGE -> message(q, out);
            case MSG_HDR -> header(q, out);
            case MSG_QUESTION -> {
                // fmt's %v of a []dns.Question: Question's String has a pointer receiver, so fmt prints the struct
                out.append("[{");
                name(q, out);
                out.append(' ').append(q.qtype()).append(' ').append(q.qclass()).append("}]");
            }
            case ID -> out.append(q.id());
            case OPCODE -> out.append(q.opcode());
            case RCODE -> out.append(rcode(q));
            default -> out.append((q.flags() & v.flag) != 0);
        }
    }

    /** Msg.Rcode after Unpack: the header's 4 bits and the OPT's extended rcode above them. */
    private static int rcode(QueryView q) {
        return (q.flags() & DnsHeader.RCODE_MASK) | (q.hasEdns() ? q.ednsExtendedRcode() << 4 : 0);
    }

    /** Question.String (types.go): {@code ;NAME<tab>CLASS<tab> TYPE}. */
    private static void question(QueryView q, StringBuilder out) {
        out.append(';');
        name(q, out);
        out.append('\t');
        int c = q.qclass();
        // Class.String: the ClassToString name unless it also names a type (ANY), else CLASS and the number
        String cls = c == Records.CLASS_ANY ? null : className(c);
        out.append(cls != null ? cls : "CLASS" + c).append("\t ");
        String type = typeName(q.qtype());
        out.append(type != null ? type : "TYPE" + q.qtype());
    }

    private static final int[] CLASSES = {
            Records.CLASS_IN, Records.CLASS_CS, Records.CLASS_CH, Records.CLASS_HS, Records.CLASS_NONE,
            Records.CLASS_ANY
    };

    /** miekg/dns v1.1.50 ClassToString[class], null for a class it has no name for. */
    static String className(int c) {
        return switch (c) {
            case Records.CLASS_IN -> "IN";
            case Records.CLASS_CS -> "CS";
            case Records.CLASS_CH -> "CH";
            case Records.CLASS_HS -> "HS";
            case Records.CLASS_NONE -> "NONE";
            case Records.CLASS_ANY -> "ANY";
            default -> null;
        };
    }

    /** miekg/dns's StringToClass[name] (the names above, case-sensitive), -1 for another name. */
    static int classNumber(String name) {
        for (int c : CLASSES) {
            if (name.equals(className(c))) {
                return c;
            }
        }
        return -1;
    }

    /** miekg/dns v1.1.50 TypeToString[type], null for a type it has no name for. */
    static String typeName(int type) {
        if (type < TYPE_NAMES.length) {
            return TYPE_NAMES[type];
        }
        int i = indexOf(HIGH_TYPES, type);
        return i < 0 ? null : HIGH_TYPE_NAMES[i];
    }

    /** miekg/dns v1.1.50 StringToType[name], the reverse of typeName (case-sensitive), -1 for another name. */
    static int typeNumber(String name) {
        int t = indexOf(TYPE_NAMES, name);
        if (t >= 0) {
            return t;
        }
        int i = indexOf(HIGH_TYPE_NAMES, name);
        return i < 0 ? -1 : HIGH_TYPES[i];
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /** MsgHdr.String (msg.go): opcode, status and id, then the flags set. */
    private static void header(QueryView q, StringBuilder out) {
        int opcode = q.opcode();
        int rcode = rcode(q);
        out.append(";; opcode: ").append(opcode < OPCODE_NAMES.length && OPCODE_NAMES[opcode] != null
                ? OPCODE_NAMES[opcode]
                : "");
        out.append(", status: ").append(rcode < RCODE_NAMES.length && RCODE_NAMES[rcode] != null
                ? RCODE_NAMES[rcode]
                : "");
        out.append(", id: ").append(q.id()).append("\n;; flags:");
        int flags = q.flags();
        appendFlag(flags, DnsHeader.QR, " qr", out);
        appendFlag(flags, DnsHeader.AA, " aa", out);
        appendFlag(flags, DnsHeader.TC, " tc", out);
        appendFlag(flags, DnsHeader.RD, " rd", out);
        appendFlag(flags, DnsHeader.RA, " ra", out);
        appendFlag(flags, DnsHeader.Z, " z", out);
        appendFlag(flags, DnsHeader.AD, " ad", out);
        appendFlag(flags, DnsHeader.CD, " cd", out);
        out.append(';');
    }

    private static void appendFlag(int flags, int flag, String text, StringBuilder out) {
        if ((flags & flag) != 0) {
            out.append(text);
        }
    }

    /**
     * Msg.String (msg.go): the header, the section counts, the OPT pseudo-section, the question.
     * Records in the other sections (a NOTIFY's SOA, a TSIG) would need miekg/dns's presentation of
     * every type; a query that carries one fails to render, as a template error.
     */
    private static void message(QueryView q, StringBuilder out) throws GoTemplate.Failure {
        DirectBuffer b = q.buffer();
        int an = DnsHeader.ancount(b, q.offset());
        int ns = DnsHeader.nscount(b, q.offset());
        int ar = DnsHeader.arcount(b, q.offset());
        if (an + ns + ar > (q.hasEdns() ? 1 : 0)) {
            throw new GoTemplate.Failure("printing .Message of a query with records other than its OPT"
                    + " is not supported");
        }
        header(q, out);
        out.append(" QUERY: 1, ANSWER: ").append(an).append(", AUTHORITY: ").append(ns).append(", ADDITIONAL: ")
                .append(ar).append('\n');
        if (q.hasEdns()) {
            GoEdnsText.opt(q, out);
            out.append('\n');
        }
        out.append("\n;; QUESTION SECTION:\n");
        question(q, out);
        out.append('\n');
    }

    /** The name as asked, as miekg/dns unpacks it (case kept). */
    private static void name(QueryView q, StringBuilder out) {
        out.append(Names.toCoreDnsText(q.buffer(), q.qnameOffset(), q.qnameLength()));
    }

    /** The byte {@code c} (0-255) as the zone syntax's \DDD escape. */
    static void decimalEscape(int c, StringBuilder out) {
        out.append('\\').append((char) ('0' + c / 100)).append((char) ('0' + c / 10 % 10))
                .append((char) ('0' + c % 10));
    }

    /** Go's net.IP String of an EDNS0 SUBNET address: dotted for IPv4 and IPv4-mapped IPv6, else RFC 5952. */
    static String ip(byte[] address) {
        boolean mapped = address.length == 16 && address[10] == (byte) 0xFF && address[11] == (byte) 0xFF;
        for (int i = 0; mapped && i < 10; i++) {
            mapped = address[i] == 0;
        }
        if (mapped) {
            return (address[12] & 0xFF) + "." + (address[13] & 0xFF) + "." + (address[14] & 0xFF) + "."
                    + (address[15] & 0xFF);
        }
        return address.length == 4 ? IpText.of(address) : "[" + IpText.of(address) + "]";
    }

    static String hex(DirectBuffer b, int off, int len) {
        byte[] bytes = new byte[len];
        b.getBytes(off, bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static String utf8(DirectBuffer b, int off, int len) {
        byte[] bytes = new byte[len];
        b.getBytes(off, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static String algorithms(DirectBuffer b, int off, int len, boolean hashes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            int alg = b.getByte(off + i) & 0xFF;
            String name = hashes ? (alg < HASH_NAMES.length ? HASH_NAMES[alg] : null) : ALGORITHM_NAMES[alg];
            s.append(' ').append(name != null ? name : Integer.toString(alg));
        }
        return s.toString();
    }
}
