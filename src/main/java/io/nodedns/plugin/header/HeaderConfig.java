package io.nodedns.plugin.header;

/**
 * The header rules compiled to masks, applied as {@code (flags | set) & ~clear}; later rules
 * override earlier ones for the same flag, as CoreDNS evaluates them in order.
 */
public record HeaderConfig(int querySet, int queryClear, int responseSet, int responseClear) {
    public boolean hasQueryRules() {
        return (querySet | queryClear) != 0;
    }

    public boolean hasResponseRules() {
        return (responseSet | responseClear) != 0;
    }

    static int apply(int flags, int set, int clear) {
        return (flags | set) & ~clear;
    }
}
