package io.nodedns.plugin.log;

import io.nodedns.server.Exchange;
import io.nodedns.server.Transport;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ResponseShaper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Type;

/** A log line template with CoreDNS's placeholders, compiled once into literal and field parts. */
public final class LogFormat {
    public static final String COMMON = "{remote}:{port} - {>id} \"{type} {class} {name} {proto} {size} {>do} {>bufsize}\" {rcode} {>rflags} {rsize} {duration}";
    public static final String COMBINED = COMMON + " \"{>opcode}\"";

    private final List<String> literals = new ArrayList<>();
    private final List<String> fields = new ArrayList<>();

    public LogFormat(String template) {
        String t = template.replace("{common}", COMMON).replace("{combined}", COMBINED);
        int i = 0;
        StringBuilder literal = new StringBuilder();
        while (i < t.length()) {
            char c = t.charAt(i);
            int close = c == '{' ? t.indexOf('}', i) : -1;
            if (close > i) {
                literals.add(literal.toString());
                literal.setLength(0);
                fields.add(t.substring(i + 1, close));
                i = close + 1;
            } else {
                literal.append(c);
                i++;
            }
        }
        literals.add(literal.toString());
    }

    /** Two formats are equal when they print the same parts (a config record compares its formats). */
    @Override
    public boolean equals(Object o) {
        return o instanceof LogFormat f && literals.equals(f.literals) && fields.equals(f.fields);
    }

    @Override
    public int hashCode() {
        return 31 * literals.hashCode() + fields.hashCode();
    }

    /** Renders the line for a completed exchange (allocates: logging is off the fast path by choice). */
    public String render(Exchange ex) {
        StringBuilder sb = new StringBuilder(160);
        for (int i = 0; i < fields.size(); i++) {
            sb.append(literals.get(i)).append(value(fields.get(i), ex));
        }
        return sb.append(literals.getLast()).toString();
    }

    static String value(String field, Exchange ex) {
        QueryView q = ex.query();
        return switch (field) {
            case "remote" -> ex.client().family() == 1 ? ex.client().ipText() : "[" + ex.client().ipText() + "]";
            case "port" -> Integer.toString(ex.client().port());
            case ">id" -> Integer.toString(q.id());
            case "type" -> Type.string(q.qtype());
            case "class" -> DClass.string(q.qclass());
            case "name" -> Names.toCoreDnsText(ex.request(), q.qnameOffset(), q.qnameLength()).toLowerCase(Locale.ROOT);
            case "proto" -> ex.transport().label();
            case "size" -> Integer.toString(ex.requestLength());
            case ">do" -> Boolean.toString(q.hasEdns() && q.dnssecOk());
            case ">bufsize" ->
                Integer.toString(ex.transport() == Transport.TCP ? 65535 : ResponseShaper.effectiveUdpSize(q));
            case ">opcode" -> Integer.toString(q.opcode());
            case "rcode" ->
                ex.responseLength() >= DnsHeader.LENGTH
                        ? DnsHeader.rcodeNameOrNumber(DnsHeader.rcode(ex.response(), 0))
                        : "-";
            case ">rflags" -> ex.responseLength() >= DnsHeader.LENGTH ? flags(DnsHeader.flags(ex.response(), 0)) : "-";
            case "rsize" -> Integer.toString(ex.responseLength());
            case "duration" -> seconds(System.nanoTime() - ex.startNanos());
            case "local" -> ex.listener().address().host().isEmpty() ? "-" : ex.listener().address().host();
            case "server" -> ex.listener().label();
            default -> field.startsWith("/") ? metadata(ex, field.substring(1)) : "-";
        };
    }

    /** {@code {/LABEL}}: the value a plugin published under LABEL (CoreDNS plugin/metadata), "-" when none. */
    private static String metadata(Exchange ex, String label) {
        String v = ex.metadata(label);
        return v == null || v.isEmpty() ? "-" : v;
    }

    /** Go's strconv.FormatFloat(seconds, 'f', -1, 64) + "s". */
    static String seconds(long nanos) {
        BigDecimal s = BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
        if (s.signum() == 0) {
            return "0s";
        }
        return s.toPlainString() + "s";
    }

    static String flags(int flags) {
        StringBuilder sb = new StringBuilder();
        append(sb, (flags & DnsHeader.QR) != 0, "qr");
        append(sb, (flags & DnsHeader.AA) != 0, "aa");
        append(sb, (flags & DnsHeader.TC) != 0, "tc");
        append(sb, (flags & DnsHeader.RD) != 0, "rd");
        append(sb, (flags & DnsHeader.RA) != 0, "ra");
        append(sb, (flags & DnsHeader.Z) != 0, "z");
        append(sb, (flags & DnsHeader.AD) != 0, "ad");
        append(sb, (flags & DnsHeader.CD) != 0, "cd");
        return sb.toString();
    }

    private static void append(StringBuilder sb, boolean set, String name) {
        if (set) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(name);
        }
    }
}
