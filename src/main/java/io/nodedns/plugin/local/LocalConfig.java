package io.nodedns.plugin.local;

/**
 * What {@code local} sets up.
 *
 * @param localhostPrefix whether {@code localhost.DOMAIN} names are answered (and counted)
 */
record LocalConfig(boolean localhostPrefix) {
    static final LocalConfig DEFAULT = new LocalConfig(true);
}
