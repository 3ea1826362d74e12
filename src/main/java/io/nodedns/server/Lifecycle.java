package io.nodedns.server;

/** Start and stop callbacks a plugin registers during setup. */
public interface Lifecycle {
    /** Before the instance's listeners are bound (nodecache puts the listen addresses on their link). */
    default void prepare() throws Exception {}

    /** After the instance's listeners are bound and before it serves (watchers, probes). */
    default void start() throws Exception {}

    /** When the instance is replaced by a reload or the process stops. */
    default void stop() {}

    /** Only on final process shutdown, after {@link #stop()} (teardown that must survive reloads). */
    default void shutdown() {}
}
