package io.nodedns.plugin.template;

import io.nodedns.net.IpText;
import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.wire.AnswerWriter;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import io.nodedns.wire.ZoneSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import org.agrona.DirectBuffer;

/**
 * CoreDNS's template plugin: the first template whose zone, class and type cover the query and
 * one of whose regexes matches the name answers it. A covered name that no regex matches gets
 * SERVFAIL unless the template falls through (to the next template, then the next plugin).
 * Names outside every template's zones, and classes or types no template covers, pass on without
 * allocating. A template that renders nothing (only {@code rcode}, the common NXDOMAIN blocks)
 * and matches every name writes its reply in place without allocating; rendering records builds
 * strings and a dnsjava message ({@link TemplateReply}).
 */
public final class TemplateHandler extends ChainHandler {
    private final List<TemplateRule> rules;
    private final ZoneSet allZones;
    final TemplateMetrics metrics = new TemplateMetrics();
    /** Per template, the counter of its last match; racing loops at worst look a counter up again. */
    private final TemplateMetrics.MatchCounter[] lastMatch;

    TemplateHandler(List<TemplateRule> rules, List<String> allZones) {
        super("template");
        this.rules = List.copyOf(rules);
        this.lastMatch = new TemplateMetrics.MatchCounter[rules.size()];
        this.allZones = ZoneSet.of(allZones);
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        if (!allZones.contains(q)) {
            return next(ex);
        }
        DirectBuffer b = ex.request();
        int off = q.qnameOffset();
        int len = q.qnameLength();
        String name = null;
        for (int r = 0; r < rules.size(); r++) {
            TemplateRule rule = rules.get(r);
            int zone = rule.wireZones().longest(b, off, len);
            if (zone < 0 || !rule.covers(q.qclass(), q.qtype())) {
                continue;
            }
            String zoneName = rule.zones().get(zone);
            if (rule.regexes().isEmpty()) {
                // no match line: CoreDNS's default ".*" matches every name, so nothing needs the name text
                countMatch(r, rule, zone, q.qclass(), q.qtype());
                if (rule.bare()) {
                    return rule.rcode() == DnsHeader.RCODE_SERVFAIL
                            ? DnsHeader.RCODE_SERVFAIL
                            : writeBare(ex, rule.rcode());
                }
                if (name == null) {
                    name = Names.toCoreDnsText(b, off, len).toLowerCase(Locale.ROOT);
                }
                return answer(ex, rule, data(ex, rule, zoneName, name, ".*", new String[]{name}, Map.of("0", name)));
            }
            if (name == null) {
                name = Names.toCoreDnsText(b, off, len).toLowerCase(Locale.ROOT);
            }
            GoTemplate.Data data = match(ex, rule, zoneName, name);
            if (data == null) {
                if (rule.fallthrough().through(b, off, len)) {
                    continue;
                }
                return DnsHeader.RCODE_SERVFAIL;
            }
            countMatch(r, rule, zone, q.qclass(), q.qtype());
            if (rule.bare()) {
                return rule.rcode() == DnsHeader.RCODE_SERVFAIL
                        ? DnsHeader.RCODE_SERVFAIL
                        : writeBare(ex, rule.rcode());
            }
            return answer(ex, rule, data);
        }
        return next(ex);
    }

    private void countMatch(int r, TemplateRule rule, int zone, int qclass, int qtype) {
        TemplateMetrics.MatchCounter c = lastMatch[r];
        if (c == null || !c.is(zone, qclass, qtype)) {
            c = metrics.matchCounter(zone, qclass, qtype, rule.zones().get(zone), classText(qclass, rule),
                    typeText(qtype, rule));
            lastMatch[r] = c;
        }
        c.adder().increment();
    }

    private int answer(Exchange ex, TemplateRule rule, GoTemplate.Data data) {
        if (rule.rcode() == DnsHeader.RCODE_SERVFAIL) {
            return DnsHeader.RCODE_SERVFAIL; // CoreDNS writes no records for SERVFAIL templates
        }
        return TemplateReply.write(ex, rule, data, metrics);
    }

    /** The first regex that matches, as CoreDNS's templateData; null if none does. */
    private static GoTemplate.Data match(Exchange ex, TemplateRule rule, String zone, String name) {
        for (GoRegex regex : rule.regexes()) {
            Matcher m = regex.pattern.matcher(name);
            if (!m.find()) {
                continue;
            }
            String[] groups = new String[m.groupCount() + 1];
            Map<String, String> byName = new HashMap<>();
            for (int i = 0; i < groups.length; i++) {
                String g = m.group(i);
                groups[i] = g == null ? "" : g;
                byName.put(Integer.toString(i), groups[i]);
            }
            for (int i = 0; i < groups.length; i++) {
                if (regex.groupNames[i] != null) {
                    byName.put(regex.groupNames[i], groups[i]);
                }
            }
            return data(ex, rule, zone, name, regex.source, groups, byName);
        }
        return null;
    }

    private static GoTemplate.Data data(Exchange ex, TemplateRule rule, String zone, String name, String regex,
            String[] groups, Map<String, String> byName) {
        QueryView q = ex.query();
        return new GoTemplate.Data(zone, name, regex, classText(q.qclass(), rule), typeText(q.qtype(), rule),
                IpText.of(ex.client().address().getAddress()), groups, byName, ex);
    }

    /** miekg/dns's ClassToString of the query's class, or of the template's for a query of class ANY. */
    static String classText(int qclass, TemplateRule rule) {
        String text = GoDnsText.className(qclass == Records.CLASS_ANY ? rule.qclass() : qclass);
        return text == null ? "" : text;
    }

    /** miekg/dns's TypeToString of the query's type, or of the template's for a query of type ANY. */
    static String typeText(int qtype, TemplateRule rule) {
        String text = GoDnsText.typeName(qtype == Records.TYPE_ANY ? rule.qtype() : qtype);
        return text == null ? "" : text;
    }

    /** Question and rcode only, authoritative, in place (CoreDNS's SetReply: opcode, RD and CD copied). */
    private static int writeBare(Exchange ex, int rcode) {
        ex.written(AnswerWriter.begin(ex.query(), ex.request(), ex.response(), DnsHeader.AA, rcode), "template");
        return Result.WRITTEN;
    }
}
