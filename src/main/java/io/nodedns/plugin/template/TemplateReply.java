package io.nodedns.plugin.template;

import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.server.SelfLookup;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.agrona.ExpandableDirectByteBuffer;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DNSInput;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Renders a matched template into a reply, as CoreDNS builds it: SetReply (ID, opcode, RD and CD,
 * the question as asked), AA, the template's rcode, then the answer, additional and authority
 * records in that order, each rendered and parsed like miekg/dns's NewRR (origin ".", default TTL
 * 3600, class IN). The first failure stops the reply: SERVFAIL, counted under CoreDNS's metric.
 * With {@code ederror} the reply carries an OPT (4096) with the Extended DNS Error (RFC 8914).
 */
final class TemplateReply {
    private static final long DEFAULT_TTL = 3600;
    private static final int EDNS_SIZE = 4096;

    private TemplateReply() {}

    static int write(Exchange ex, TemplateRule rule, GoTemplate.Data data, TemplateMetrics metrics) {
        QueryView q = ex.query();
        Message reply = new Message(q.id());
        Header h = reply.getHeader();
        h.setFlag(Flags.QR);
        h.setFlag(Flags.AA);
        h.setOpcode(q.opcode());
        if (q.opcode() == 0) {
            if (q.rd()) {
                h.setFlag(Flags.RD);
            }
            if (q.cd()) {
                h.setFlag(Flags.CD);
            }
        }
        h.setRcode(rule.rcode());
        byte[] qname = new byte[q.qnameLength()];
        ex.request().getBytes(q.qnameOffset(), qname);
        try {
            reply.addRecord(Record.newRecord(new Name(new DNSInput(qname)), q.qtype(), q.qclass()), Section.QUESTION);
        } catch (IOException e) {
            ex.error("plugin/template: question name: " + e.getMessage());
            return DnsHeader.RCODE_SERVFAIL;
        }
        if (!add(ex, reply, Section.ANSWER, "answer", rule.answer(), data, metrics)
                || !add(ex, reply, Section.ADDITIONAL, "additional", rule.additional(), data, metrics)
                || !add(ex, reply, Section.AUTHORITY, "authority", rule.authority(), data, metrics)) {
            return DnsHeader.RCODE_SERVFAIL;
        }
        if (rule.edeCode() != TemplateRule.NO_EDE) {
            ExtendedErrorCodeOption ede = rule.edeReason() == null
                    ? new ExtendedErrorCodeOption(rule.edeCode())
                    : new ExtendedErrorCodeOption(rule.edeCode(), rule.edeReason());
            reply.addRecord(new OPTRecord(EDNS_SIZE, 0, 0, q.dnssecOk() ? ExtendedFlags.DO : 0, ede),
                    Section.ADDITIONAL);
        }
        byte[] wire = reply.toWire();
        if (wire.length > Exchange.MAX_MESSAGE) {
            ex.error("plugin/template: reply of " + wire.length + " bytes is larger than a DNS message");
            return DnsHeader.RCODE_SERVFAIL;
        }
        ExpandableDirectByteBuffer out = ex.response();
        out.checkLimit(wire.length);
        out.putBytes(0, wire);
        List<Record> answer = reply.getSection(Section.ANSWER);
        if (answer.size() == 1 && answer.getFirst() instanceof CNAMERecord alias
                && (q.qtype() == Type.A || q.qtype() == Type.AAAA)) {
            // CoreDNS template: a lone CNAME to an A or AAAA question gets its target looked up
            return SelfLookup.followCname(ex, wire.length, alias.getTarget(), "template");
        }
        ex.written(wire.length, "template");
        return Result.WRITTEN;
    }

    private static boolean add(Exchange ex, Message reply, int section, String sectionName, List<GoTemplate> templates,
            GoTemplate.Data data, TemplateMetrics metrics) {
        for (GoTemplate t : templates) {
            String text;
            try {
                text = t.execute(data);
            } catch (GoTemplate.Failure e) {
                metrics.failed(TemplateMetrics.TEMPLATE_FAILURES, data, sectionName, t.source);
                ex.error("plugin/template: " + sectionName + " \"" + t.source + "\": " + e.getMessage());
                return false;
            }
            try {
                reply.addRecord(parse(text), section);
            } catch (IOException | RuntimeException e) {
                metrics.failed(TemplateMetrics.RR_FAILURES, data, sectionName, t.source);
                ex.error("plugin/template: " + sectionName + " \"" + text + "\": " + e.getMessage());
                return false;
            }
        }
        return true;
    }

    /** One resource record in zone-file syntax, like miekg/dns's NewRR: the first record of the text. */
    static Record parse(String text) throws IOException {
        String rr = text.indexOf('\n') < 0 && text.indexOf('\r') < 0 && text.length() <= TXT_STRING_MAX
                ? text
                : asMiekgQuotes(text);
        byte[] line = (rr + "\n").getBytes(StandardCharsets.UTF_8);
        // a buffer the size of the line: dnsjava's tokenizer would wrap the stream in an 8 KiB one
        try (Master master = new Master(new BufferedInputStream(new ByteArrayInputStream(line), line.length), Name.root,
                DEFAULT_TTL)) {
            master.disableIncludes(true);
            master.expandGenerate(false);
            Record r = master.nextRecord();
            if (r == null) {
                throw new IOException("no resource record in \"" + text + "\"");
            }
            return r;
        }
    }

    /**
     * Quoted strings as miekg/dns's zone lexer reads them, spelled for dnsjava's: a line break inside
     * quotes is part of the string (a TXT quoting {@code {{ .Message }}} has several; dnsjava refuses
     * one, so it becomes the \DDD escape of the same byte), and in a TXT or SPF record a quoted
     * string longer than 255 characters is cut into strings of 255 (scan_rr.go endingToTxtSlice;
     * dnsjava refuses it too). Characters are counted as miekg/dns's lexer keeps them: an escape
     * such as \" as its two.
     */
    static String asMiekgQuotes(String text) {
        boolean split = isTxt(text);
        StringBuilder out = new StringBuilder(text.length() + 16);
        boolean quoted = false;
        int taken = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!quoted) {
                out.append(c);
                quoted = c == '"';
                taken = 0;
                continue;
            }
            if (c == '"') {
                out.append(c);
                quoted = false;
                continue;
            }
            if (split && taken >= TXT_STRING_MAX) {
                out.append("\" \"");
                taken = 0;
            }
            if (c == '\\' && i + 1 < text.length()) {
                out.append(c).append(text.charAt(++i));
                taken += 2;
                continue;
            }
            if (c == '\n' || c == '\r') {
                out.append(c == '\n' ? "\\010" : "\\013");
            } else {
                out.append(c);
            }
            taken++;
        }
        return out.toString();
    }

    private static final int TXT_STRING_MAX = 255;

    /** True if a word before the first quote, past the owner, is the type TXT or SPF. */
    private static boolean isTxt(String text) {
        int quote = text.indexOf('"');
        String[] words = (quote < 0 ? text : text.substring(0, quote)).trim().split("\\s+");
        for (int i = 1; i < words.length; i++) {
            if (words[i].equalsIgnoreCase("TXT") || words[i].equalsIgnoreCase("SPF")) {
                return true;
            }
        }
        return false;
    }
}
