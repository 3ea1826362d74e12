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
        byte[] line = (escapeQuotedLineBreaks(text) + "\n").getBytes(StandardCharsets.UTF_8);
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
     * miekg/dns's zone lexer keeps a line break inside a quoted string as part of the string (a TXT
     * quoting {@code {{ .Message }}} has several); dnsjava's tokenizer refuses one, so inside quotes
     * each becomes the \DDD escape of the same byte.
     */
    static String escapeQuotedLineBreaks(String text) {
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && (c == '\n' || c == '\r')) {
                out.append(c == '\n' ? "\\010" : "\\013");
                continue;
            }
            out.append(c);
            if (c == '\\' && i + 1 < text.length()) {
                out.append(text.charAt(++i));
            } else if (c == '"') {
                quoted = !quoted;
            }
        }
        return out.toString();
    }
}
