package io.nodedns.plugin.rewrite;

/**
 * {@code ttl} and {@code rcode} rules: they match the qname like a name rule but change only the
 * reply, so the request side just records an entry.
 */
final class MatchRule extends Rule {
    final NameMatch match;
    /** ttl: the clamp bounds; rcode: from and to. */
    final long first;
    final long second;
    final boolean ttl;

    private MatchRule(boolean stop, NameMatch match, long first, long second, boolean ttl) {
        super(stop);
        this.match = match;
        this.first = first;
        this.second = second;
        this.ttl = ttl;
    }

    static MatchRule ttl(boolean stop, NameMatch match, long min, long max) {
        return new MatchRule(stop, match, min, max, true);
    }

    static MatchRule rcode(boolean stop, NameMatch match, int from, int to) {
        return new MatchRule(stop, match, from, to, false);
    }

    @Override
    int request(Session s, int index) {
        if (!match.matches(s.nameText())) {
            return IGNORED;
        }
        s.entry(index, s.data, 0, 0);
        return DONE;
    }

    /** The TTL clamped into [first, second]. */
    long clamp(long value) {
        return value < first ? first : Math.min(value, second);
    }
}
