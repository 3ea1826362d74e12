package io.nodedns.plugin.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Exchange;
import io.nodedns.testing.LoopAllocations;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * {@code .Message} and {@code .Question} as CoreDNS 1.10.1 renders them: Go's text/template prints
 * a value through its String method (printableValue takes the address of the *dns.Msg and
 * *dns.Question), fields as fmt prints their Go types. The expected strings follow miekg/dns
 * v1.1.50: MsgHdr.String and Msg.String (msg.go), Question.String, Class.String, Type.String and
 * UnpackDomainName's escaping (types.go, defaults.go, msg.go), OPT.String and each EDNS0 option's
 * String (edns.go).
 */
class GoDnsTextTest {
    private static Exchange exchange(Message query) {
        return LoopAllocations.exchanges(List.of(query))[0];
    }

    private static String render(String text, Message query) throws GoTemplate.Failure {
        String name = query.getQuestion().getName().toString().toLowerCase();
        return GoTemplate.parse(text).execute(new GoTemplate.Data("example.org.", name, ".*", "IN", "A", "192.0.2.1",
                new String[]{name}, Map.of("0", name), exchange(query)));
    }

    private static Message query(int id, String name, int type, int dclass) throws Exception {
        Message m = new Message(id);
        m.addRecord(Record.newRecord(Name.fromString(name), type, dclass), Section.QUESTION);
        return m;
    }

    private static EDNSOption option(int code, String hex) {
        return new GenericEDNSOption(code, HexFormat.of().parseHex(hex));
    }

    /** dig's usual query: RD, EDNS 1232 with DO and a client cookie, the name's case as asked. */
    @Test
    void messageAndQuestionPrintAsGoPrintsThem() throws Exception {
        Message q = query(4660, "Www.Example.ORG.", Type.A, DClass.IN);
        q.getHeader().setFlag(Flags.RD);
        q.addRecord(new OPTRecord(1232, 0, 0, Flags.DO, List.of(option(10, "0102030405060708"))), Section.ADDITIONAL);
        assertEquals(";; opcode: QUERY, status: NOERROR, id: 4660\n"
                + ";; flags: rd; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1\n"
                + "\n;; OPT PSEUDOSECTION:\n; EDNS: version 0; flags: do; udp: 1232\n; COOKIE: 0102030405060708\n"
                + "\n;; QUESTION SECTION:\n;Www.Example.ORG.\tIN\t A\n", render("{{ .Message }}", q));
        assertEquals(";Www.Example.ORG.\tIN\t A", render("{{ .Question }}", q), "Question.String");
        // fmt prints uint16 and int in decimal, bool as true/false; MsgHdr's fields are Msg's (embedded)
        assertEquals("Www.Example.ORG. 1 1|4660 0 0|true false false false false false false false",
                render("{{ .Question.Name }} {{ .Question.Qtype }} {{ .Question.Qclass }}|{{ .Message.Id }}"
                        + " {{ .Message.Opcode }} {{ .Message.Rcode }}|{{ .Message.RecursionDesired }}"
                        + " {{ .Message.Response }} {{ .Message.Authoritative }} {{ .Message.Truncated }}"
                        + " {{ .Message.RecursionAvailable }} {{ .Message.Zero }} {{ .Message.AuthenticatedData }}"
                        + " {{ .Message.MsgHdr.CheckingDisabled }}", q));
        assertEquals(";; opcode: QUERY, status: NOERROR, id: 4660\n;; flags: rd;", render("{{ .Message.MsgHdr }}", q));
        // fmt's %v of []dns.Question: the struct's fields (String has a pointer receiver, so fmt does not call it)
        assertEquals("[{Www.Example.ORG. 1 1}]", render("{{ .Message.Question }}", q));
        assertEquals("<no value>", render("{{ .Group.x }}", q), "unchanged beside them");
    }

    /** typeNumber reverses typeName over the 84 names of miekg/dns v1.1.50's TypeToString (ztypes.go). */
    @Test
    void typeNumberIsTheReverseOfTypeName() {
        int named = 0;
        for (int t = 0; t <= 0xFFFF; t++) {
            String name = GoDnsText.typeName(t);
            if (name != null) {
                named++;
                assertEquals(t, GoDnsText.typeNumber(name), name);
            }
        }
        assertEquals(84, named);
        assertEquals(-1, GoDnsText.typeNumber("aaaa"), "case-sensitive");
        assertEquals(-1, GoDnsText.typeNumber("WKS"));
    }

    /** Class.String prints ANY as CLASS255 (ANY is also a type), Type.String an unnamed type as TYPEn. */
    @Test
    void questionEscapesNamesAndNumbersUnknownClassesAndTypes() throws Exception {
        Message q = query(7, "a\\ b.c\\\"d\\200\\'$.", Type.ANY, DClass.ANY);
        q.getHeader().setFlag(Flags.CD);
        q.getHeader().setFlag(Flags.AD);
        assertEquals(";a\\ b.c\\\"d\\200\\'$.\tCLASS255\t ANY", render("{{ .Question }}", q));
        assertEquals(";; opcode: QUERY, status: NOERROR, id: 7\n"
                + ";; flags: ad cd; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0\n"
                + "\n;; QUESTION SECTION:\n;a\\ b.c\\\"d\\200\\'$.\tCLASS255\t ANY\n", render("{{ .Message }}", q),
                "no OPT: no pseudo-section");
        assertEquals(";.\tCH\t TYPE65280|;x.\tCLASS77\t NSAP-PTR",
                render("{{ .Question }}", query(1, ".", 65280, DClass.CH)) + "|"
                        + render("{{ .Question }}", query(1, "x.", Type.NSAP_PTR, 77)));
        GoTemplate.Failure arg = assertThrows(GoTemplate.Failure.class,
                () -> render("{{ parseInt .Question.Name 10 8 }}", query(1, "12.", Type.A, DClass.IN)));
        assertEquals("strconv.ParseUint: parsing \"12.\": invalid syntax", arg.getMessage(),
                "Question.Name is a string argument");
    }

    /** Each option as OPT.String prints it; EXPIRE has no case there, so it prints nothing. */
    @Test
    void optPseudoSectionPrintsEveryOption() throws Exception {
        Message q = query(9, "x.", Type.TXT, DClass.IN);
        q.getHeader().setOpcode(Opcode.NOTIFY);
        List<EDNSOption> options = List.of(option(3, ""), option(3, "6162"), option(8, "00011800c00002"),
                option(8, "0002380020010db8000000"), option(8, "0000000000"), option(11, ""), option(11, "02bc"),
                option(12, "00ab00"), option(9, ""), option(65001, "6869"), option(15, "000f78"), option(15, "00ff"),
                option(5, "080dc8"), option(6, "0209"), option(7, "01"), option(2, "0000003c"), option(4, "7369703a"),
                option(1, "000100020003000000000000000400000005"));
        // extended rcode 1 in the OPT: Unpack ORs it above the header's rcode, 16 is BADSIG in RcodeToString
        q.addRecord(new OPTRecord(512, 1, 0, 0, options), Section.ADDITIONAL);
        assertEquals(";; opcode: NOTIFY, status: BADSIG, id: 9\n"
                + ";; flags:; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1\n"
                + "\n;; OPT PSEUDOSECTION:\n; EDNS: version 0; flags: ; udp: 512"
                + "\n; NSID:   \n; NSID: 6162  (a)(b)"
                + "\n; SUBNET: 192.0.2.0/24/0\n; SUBNET: [2001:db8::]/56/0\n; SUBNET: 0.0.0.0/0/0"
                + "\n; KEEPALIVE: use tcp keep-alive, timeout omitted"
                + "\n; KEEPALIVE: use tcp keep-alive, timeout 4464ms" // 700 * 100 as a uint16
                + "\n; PADDING: 00AB00\n; LOCAL OPT: 65001:0x6869\n; EDE: 15 (Blocked): (x)\n; EDE: 255: ()"
                + "\n; DNSSEC ALGORITHM UNDERSTOOD:  RSASHA256 ECDSAP256SHA256 200\n; DS HASH UNDERSTOOD:  SHA256 9"
                + "\n; NSEC3 HASH UNDERSTOOD:  SHA1\n; UPDATE LEASE: 60 0\n; ESU: sip:"
                + "\n; LONG LIVED QUERIES: 1 2 3 4 5\n"
                + "\n;; QUESTION SECTION:\n;x.\tIN\t TXT\n", render("{{ .Message }}", q));
        assertEquals("16 4", render("{{ .Message.Rcode }} {{ .Message.Opcode }}", q));
    }

    /** What miekg/dns would refuse to unpack (CoreDNS answers FORMERR) and records nodedns does not print fail the template. */
    @Test
    void malformedOptionsAndOtherRecordsFailTheTemplate() throws Exception {
        Message subnet = query(1, "x.", Type.A, DClass.IN);
        subnet.addRecord(new OPTRecord(512, 0, 0, 0, List.of(option(8, "00030000"))), Section.ADDITIONAL);
        GoTemplate.Failure bad = assertThrows(GoTemplate.Failure.class, () -> render("{{ .Message }}", subnet));
        assertTrue(bad.getMessage().contains("malformed EDNS0 SUBNET option"), bad.getMessage());
        assertEquals(";x.\tIN\t A", render("{{ .Question }}", subnet), "the question needs no options");

        Message notify = query(1, "example.org.", Type.SOA, DClass.IN);
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        notify.addRecord(new SOARecord(Name.fromString("example.org."), DClass.IN, 60, Name.root, Name.root, 1, 2, 3, 4,
                5), Section.ANSWER);
        GoTemplate.Failure soa = assertThrows(GoTemplate.Failure.class, () -> render("{{ .Message }}", notify));
        assertTrue(soa.getMessage().contains("records other than its OPT"), soa.getMessage());
        assertEquals("4 example.org.", render("{{ .Message.Opcode }} {{ .Question.Name }}", notify));
    }
}
