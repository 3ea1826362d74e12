package io.nodedns.plugin.template;

import io.nodedns.config.Fallthrough;
import io.nodedns.wire.Records;
import io.nodedns.wire.ZoneSet;
import java.util.List;

/**
 * One {@code template CLASS TYPE [ZONE...] { ... }} occurrence, compiled at setup. Class and type
 * 255 (ANY) match every query, and a query of class or type ANY matches every template, as in
 * CoreDNS.
 */
record TemplateRule(
        List<String> zones,
        ZoneSet wireZones,
        int qclass,
        int qtype,
        List<GoRegex> regexes,
        List<GoTemplate> answer,
        List<GoTemplate> additional,
        List<GoTemplate> authority,
        int rcode,
        int edeCode,
        String edeReason,
        Fallthrough fallthrough) {
    static final int NO_EDE = -1;

    boolean covers(int queryClass, int queryType) {
        return (qclass == Records.CLASS_ANY || queryClass == Records.CLASS_ANY || queryClass == qclass)
                && (qtype == Records.TYPE_ANY || queryType == Records.TYPE_ANY || queryType == qtype);
    }

    /** True if nothing is rendered: the reply is the question and the rcode alone (still authoritative). */
    boolean bare() {
        return answer.isEmpty() && additional.isEmpty() && authority.isEmpty() && edeCode == NO_EDE;
    }
}
