package io.nodedns.plugin.forward;

import java.util.Locale;
import java.util.Map;

/** Rcode mnemonics as miekg/dns's StringToRcode knows them, matched case-insensitively. */
final class Rcodes {
    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
            Map.entry("NOERROR", 0), Map.entry("FORMERR", 1), Map.entry("SERVFAIL", 2), Map.entry("NXDOMAIN", 3),
            Map.entry("NOTIMP", 4), Map.entry("NOTIMPL", 4), Map.entry("REFUSED", 5), Map.entry("YXDOMAIN", 6),
            Map.entry("YXRRSET", 7), Map.entry("NXRRSET", 8), Map.entry("NOTAUTH", 9), Map.entry("NOTZONE", 10),
            Map.entry("BADSIG", 16), Map.entry("BADVERS", 16), Map.entry("BADKEY", 17), Map.entry("BADTIME", 18),
            Map.entry("BADMODE", 19), Map.entry("BADNAME", 20), Map.entry("BADALG", 21), Map.entry("BADTRUNC", 22),
            Map.entry("BADCOOKIE", 23));

    private Rcodes() {}

    /** The rcode for a mnemonic, or -1. */
    static int parse(String name) {
        Integer rc = BY_NAME.get(name.toUpperCase(Locale.ROOT));
        return rc == null ? -1 : rc;
    }

    /**
     * The mask bit for an rcode. Extended rcodes (16+) live partly in the OPT record; upstream
     * replies are matched on the 4-bit header rcode, so those accepted names never match.
     */
    static int bit(int rcode) {
        return rcode < 16 ? 1 << rcode : 0;
    }
}
