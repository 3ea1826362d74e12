package io.nodedns.plugin.rewrite;

/**
 * One rewrite rule (one {@code rewrite} directive or block). The request side runs in Corefile
 * order; rules that act on the reply record an entry and are replayed in reverse order by
 * {@link ReplyRewriter}.
 */
abstract class Rule {
    static final int IGNORED = 0;
    static final int DONE = 1;
    /** The rewritten name is not a valid domain name: SERVFAIL with the original question. */
    static final int INVALID = 2;

    final boolean stop;

    Rule(boolean stop) {
        this.stop = stop;
    }

    /** Applies the rule to the session's query; {@code index} is this rule's place for entries. */
    abstract int request(Session s, int index);
}
