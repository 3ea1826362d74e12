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
import java.util.Locale;
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
        String rr = ownerNotDirective(readsAsWritten(text) ? text : asMiekgQuotes(text));
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
     * An owner name that starts with {@code $} ({@code {{ .Name }}} of a query for {@code $x.example.}) escaped:
     * miekg/dns (scan.go) takes only {@code $TTL}, {@code $ORIGIN}, {@code $INCLUDE} and {@code $GENERATE} as
     * directives, dnsjava's Master any first token starting with {@code $}.
     */
    private static String ownerNotDirective(String rr) {
        if (!rr.startsWith("$")) {
            return rr;
        }
        int end = 0;
        while (end < rr.length() && !Character.isWhitespace(rr.charAt(end))) {
            end++;
        }
        return switch (rr.substring(0, end).toUpperCase(Locale.ROOT)) {
            case "$TTL", "$ORIGIN", "$INCLUDE", "$GENERATE" -> rr;
            default -> "\\" + rr;
        };
    }

    /**
     * True if dnsjava reads the text as miekg/dns does: one line of at most 255 ASCII characters
     * holds no string to cut and no token near scan.go's limit.
     */
    private static boolean readsAsWritten(String text) {
        if (text.length() > TXT_STRING_MAX) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0x7F || c == '\n' || c == '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * The text as miekg/dns's zone lexer (scan.go) reads it, spelled for dnsjava's: a line break
     * inside quotes is part of the string (a TXT quoting {@code {{ .Message }}} has several; dnsjava
     * refuses one, so it becomes the \DDD escape of the same byte), and in a TXT or SPF record a
     * quoted string longer than 255 bytes is cut into strings of 255 (scan_rr.go endingToTxtSlice;
     * dnsjava refuses it too), even inside a UTF-8 character, whose bytes are then written as \DDD.
     * Bytes are counted as the lexer keeps them: an escape such as \" as its two. A token or a
     * comment of 2048 bytes or more fails as in scan.go (maxTok); comments inside parentheses are
     * counted together, where scan.go sometimes restarts the count after a token.
     */
    static String asMiekgQuotes(String text) throws IOException {
        boolean split = isTxt(text);
        StringBuilder out = new StringBuilder(text.length() + 16);
        boolean quoted = false;
        boolean escape = false;
        boolean comment = false;
        int braces = 0;
        int token = 0; // bytes of the token being read (scan.go's str)
        int commentBytes = 0; // scan.go's com
        int taken = 0; // bytes of the current quoted string
        for (int i = 0, c; i < text.length(); i += Character.charCount(c)) {
            c = text.codePointAt(i);
            checkLimits(token, commentBytes);
            if (quoted) {
                if (c == '"') {
                    out.append('"');
                    quoted = false;
                    token = 0;
                    continue;
                }
                if (split && taken >= TXT_STRING_MAX) {
                    out.append("\" \"");
                    taken = 0;
                }
                if (c == '\\' && i + 1 < text.length()) {
                    // the escape and its character stay in one string here (miekg/dns could cut them)
                    int escaped = text.codePointAt(++i);
                    c = escaped; // the loop steps over it
                    int bytes = 1 + utf8Length(escaped);
                    token = grow(token, bytes, TOKEN_TOO_LONG);
                    taken += bytes;
                    if (writtenAsBytes(escaped)) {
                        appendBytes(out, escaped); // \é is é, \ and a line break the line break
                    } else {
                        out.append('\\').appendCodePoint(escaped);
                    }
                    continue;
                }
                token = grow(token, utf8Length(c), TOKEN_TOO_LONG);
                if (!writtenAsBytes(c)) {
                    out.appendCodePoint(c);
                    taken++;
                    continue;
                }
                for (byte b : Character.toString(c).getBytes(StandardCharsets.UTF_8)) {
                    if (split && taken >= TXT_STRING_MAX) {
                        out.append("\" \"");
                        taken = 0;
                    }
                    GoDnsText.decimalEscape(b & 0xFF, out);
                    taken++;
                }
                continue;
            }
            if (comment || c < 0x80) {
                out.appendCodePoint(c); // dnsjava skips comments; line breaks end the record here
            } else {
                if (escape) {
                    out.setLength(out.length() - 1); // \é is é
                }
                appendBytes(out, c);
            }
            if (comment) {
                if (c == '\n') {
                    comment = false;
                    commentBytes = braces == 0 ? 0 : commentBytes;
                } else if (c == ';') {
                    // scan.go puts a space before a further comment
                    commentBytes = grow(commentBytes, commentBytes > 1 ? 2 : 1, COMMENT_TOO_LONG);
                } else if (c != '\r') {
                    commentBytes = grow(commentBytes, utf8Length(c), COMMENT_TOO_LONG);
                }
                continue;
            }
            if (escape) {
                escape = false;
                if (c != '\r' && c != '\n') {
                    token = grow(token, utf8Length(c), TOKEN_TOO_LONG);
                    continue;
                }
            }
            switch (c) {
                case ' ', '\t' -> token = 0;
                case ';' -> {
                    comment = true;
                    token = 0;
                    commentBytes = grow(commentBytes, commentBytes > 1 ? 2 : 1, COMMENT_TOO_LONG);
                }
                case '"' -> {
                    quoted = true;
                    token = 0;
                    taken = 0;
                }
                case '(' -> braces++;
                case ')' -> braces--;
                case '\r' -> {
                    // dropped, the token goes on
                }
                case '\n' -> {
                    // inside parentheses a line break does not end the token in scan.go
                    if (braces == 0) {
                        token = 0;
                        commentBytes = 0;
                    }
                }
                case '\\' -> {
                    escape = true;
                    token = grow(token, 1, TOKEN_TOO_LONG);
                }
                default -> token = grow(token, utf8Length(c), TOKEN_TOO_LONG);
            }
        }
        // NewRR reads a closing newline after the text
        checkLimits(token, commentBytes);
        return out.toString();
    }

    private static final int TXT_STRING_MAX = 255;
    /** scan.go's maxTok: the lexer fails on reading a byte once a token or a comment holds this many. */
    private static final int TOKEN_MAX = 2048;
    private static final String TOKEN_TOO_LONG = "token length insufficient for parsing";
    private static final String COMMENT_TOO_LONG = "comment length insufficient for parsing";

    private static void checkLimits(int token, int commentBytes) throws IOException {
        if (token >= TOKEN_MAX) {
            throw new IOException(TOKEN_TOO_LONG);
        }
        if (commentBytes >= TOKEN_MAX) {
            throw new IOException(COMMENT_TOO_LONG);
        }
    }

    /** The count after reading {@code bytes} more: scan.go checks the limit before each byte. */
    private static int grow(int count, int bytes, String tooLong) throws IOException {
        if (count + bytes - 1 >= TOKEN_MAX) {
            throw new IOException(tooLong);
        }
        return count + bytes;
    }

    /**
     * True for what dnsjava's reader cannot take as written: it reads each byte as a character and
     * encodes non-ASCII ones again in UTF-8, and refuses a line break inside quotes.
     */
    private static boolean writtenAsBytes(int c) {
        return c >= 0x80 || c == '\n' || c == '\r';
    }

    /** The code point's UTF-8 bytes as \DDD escapes. */
    private static void appendBytes(StringBuilder out, int c) {
        for (byte b : Character.toString(c).getBytes(StandardCharsets.UTF_8)) {
            GoDnsText.decimalEscape(b & 0xFF, out);
        }
    }

    /** Bytes of the code point in UTF-8. */
    private static int utf8Length(int c) {
        return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }

    /** True if a word before the first quote, past the owner, is the type TXT or SPF. */
    private static boolean isTxt(String text) {
        int quote = text.indexOf('"');
        int end = quote < 0 ? text.length() : quote;
        int words = 0;
        for (int i = 0; i < end;) {
            while (i < end && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < end && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i > start && words++ > 0 && i - start == 3
                    && (text.regionMatches(true, start, "TXT", 0, 3) || text.regionMatches(true, start, "SPF", 0, 3))) {
                return true;
            }
        }
        return false;
    }
}
