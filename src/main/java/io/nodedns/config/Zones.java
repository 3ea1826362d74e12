package io.nodedns.config;

import java.util.List;
import java.util.Locale;

/** Zone lists as plugins use them (CoreDNS plugin/plugin.go). */
public final class Zones {

    private Zones() {}

    /**
     * Normalizes a plugin's zone argument like a server key: scheme and port stripped,
     * lowercased, fully qualified, a CIDR expanded to its reverse zones.
     *
     * @throws ConfigException at the token if it is not a valid zone
     */
    public static List<String> normalize(Token arg) throws ConfigException {
        return KeySyntax.parse(arg).zones();
    }

    /**
     * The longest zone that equals {@code qname} or is a parent of it, or null if none does.
     * Comparison ignores ASCII case; a name without the trailing dot is treated as qualified.
     */
    public static String matches(List<String> zones, String qnameLowerFqdn) {
        String qname = KeySyntax.fqdn(qnameLowerFqdn).toLowerCase(Locale.ROOT);
        String best = null;
        for (String zone : zones) {
            if (isSubdomain(zone.toLowerCase(Locale.ROOT), qname) && (best == null || zone.length() > best.length())) {
                best = zone;
            }
        }
        return best;
    }

    /** True if {@code name} equals {@code zone} or lies below it; both lowercase and qualified. */
    public static boolean isSubdomain(String zone, String name) {
        if (zone.equals(".")) {
            return true;
        }
        if (!name.endsWith(zone)) {
            return false;
        }
        int cut = name.length() - zone.length();
        return cut == 0 || name.charAt(cut - 1) == '.';
    }

    /** A syntactically valid domain name in miekg/dns terms, checked in its fully qualified form. */
    public static boolean isValidDomainName(String fqdn) {
        return fqdn != null && KeySyntax.isDomainName(fqdn);
    }
}
