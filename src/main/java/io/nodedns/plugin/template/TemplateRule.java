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
    /** miekg/dns's class mnemonics, both ways (StringToClass, case-sensitive, and ClassToString): in step. */
    private static final int[] CLASSES = {
            Records.CLASS_IN, Records.CLASS_CS, Records.CLASS_CH, Records.CLASS_HS, Records.CLASS_NONE,
            Records.CLASS_ANY
    };
    private static final String[] CLASS_NAMES = {"IN", "CS", "CH", "HS", "NONE", "ANY"};

    /** The class a mnemonic names, or -1. */
    static int classValue(String name) {
        for (int i = 0; i < CLASSES.length; i++) {
            if (CLASS_NAMES[i].equals(name)) {
                return CLASSES[i];
            }
        }
        return -1;
    }

    /** The class's mnemonic, or "" for one miekg/dns has no name for. */
    static String className(int qclass) {
        for (int i = 0; i < CLASSES.length; i++) {
            if (CLASSES[i] == qclass) {
                return CLASS_NAMES[i];
            }
        }
        return "";
    }

    boolean covers(int queryClass, int queryType) {
        return (qclass == Records.CLASS_ANY || queryClass == Records.CLASS_ANY || queryClass == qclass)
                && (qtype == Records.TYPE_ANY || queryType == Records.TYPE_ANY || queryType == qtype);
    }

    /** True if nothing is rendered: the reply is the question and the rcode alone (still authoritative). */
    boolean bare() {
        return answer.isEmpty() && additional.isEmpty() && authority.isEmpty() && edeCode == NO_EDE;
    }
}
