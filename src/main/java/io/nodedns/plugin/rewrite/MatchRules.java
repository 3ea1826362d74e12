package io.nodedns.plugin.rewrite;

import io.nodedns.config.ConfigException;
import io.nodedns.wire.DnsHeader;
import java.util.Locale;

/** Parses {@code ttl [TYPE] NAME SECONDS|MIN-MAX} and {@code rcode [TYPE] NAME FROM TO} (CoreDNS newTTLRule, newRCodeRule). */
final class MatchRules {
    private static final long MAX_TTL = 2147483647L;

    private MatchRules() {}

    static Rule parse(boolean stop, String field, RewriteSetup.Args a) throws ConfigException {
        boolean ttl = field.equals("ttl");
        int values = ttl ? 1 : 2;
        if (a.size() < 1 + values) {
            throw a.err(a.last(), "too few (" + a.size() + ") arguments for a " + field + " rule");
        }
        if (a.size() > 2 + values) {
            throw a.err(a.token(2 + values), "too many arguments for a " + field + " rule");
        }
        boolean typed = a.size() == 2 + values;
        int nameAt = typed ? 1 : 0;
        int valueAt = nameAt + 1;
        NameMatch.Kind kind = typed ? NameMatch.kind(a.text(0)) : NameMatch.Kind.EXACT;
        if (kind == null) {
            throw a.err(a.token(0),
                    field + " rule supports only exact, prefix, suffix, substring, and regex name matching");
        }
        NameMatch match;
        try {
            match = NameMatch.of(kind, a.text(nameAt));
        } catch (IllegalArgumentException e) {
            throw a.err(a.token(nameAt), e.getMessage() + " in a " + field + " rule");
        }
        if (ttl) {
            long[] range = ttlRange(a.text(valueAt));
            if (range == null) {
                throw a.err(a.token(valueAt), "invalid TTL '" + a.text(valueAt) + "' for a ttl rule");
            }
            return MatchRule.ttl(stop, match, range[0], range[1]);
        }
        int from = rcode(a.text(valueAt));
        if (from < 0) {
            throw a.err(a.token(valueAt), "invalid matching RCODE '" + a.text(valueAt) + "' for a rcode rule");
        }
        int to = rcode(a.text(valueAt + 1));
        if (to < 0) {
            throw a.err(a.token(valueAt + 1),
                    "invalid replacement RCODE '" + a.text(valueAt + 1) + "' for a rcode rule");
        }
        return MatchRule.rcode(stop, match, from, to);
    }

    /** SECONDS, MIN-MAX, -MAX or MIN- (either bound may be left out, not both); null if invalid. */
    static long[] ttlRange(String v) {
        String[] parts = v.split("-", -1);
        if (parts.length == 1) {
            long n = uint32(parts[0]);
            return n < 0 ? null : new long[]{n, n};
        }
        if (parts.length != 2 || (parts[0].isEmpty() && parts[1].isEmpty())) {
            return null;
        }
        long min = parts[0].isEmpty() ? 0 : uint32(parts[0]);
        long max = parts[1].isEmpty() ? MAX_TTL : uint32(parts[1]);
        return min < 0 || max < 0 || min > max ? null : new long[]{min, max};
    }

    private static long uint32(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long n = Long.parseLong(s);
        return n > 0xFFFFFFFFL ? -1 : n;
    }

    /** 0..23 or a name such as NXDOMAIN; -1 if neither. */
    static int rcode(String v) {
        long n = uint32(v);
        if (n >= 0) {
            return n <= 23 ? (int) n : -1;
        }
        return DnsHeader.rcodeByName(v.toUpperCase(Locale.ROOT));
    }
}
