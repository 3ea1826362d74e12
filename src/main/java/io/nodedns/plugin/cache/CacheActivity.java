package io.nodedns.plugin.cache;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Per-entry bookkeeping outside the entry's sequence lock, kept in the side data of the entry's
 * chunk (see {@link CacheArena}): the prefetch hit counter and the single-refresh flag with its
 * retry time. Hit counting races benignly (a lost increment only delays a prefetch); the refresh
 * flag is a CAS, so at most one refresh per entry runs. Entries are numbered as in
 * {@link CacheStore#entry}; an entry a caller holds is in an opened chunk, and chunks never close.
 */
final class CacheActivity {
    private final CacheArena arena;

    CacheActivity(CacheArena arena) {
        this.arena = arena;
    }

    private UnsafeBuffer chunk(int g) {
        return arena.chunk(CacheStore.shardOf(g), CacheStore.localOf(g));
    }

    private int side(int g) {
        return arena.side(CacheStore.localOf(g));
    }

    /** A new reply in the entry: refresh state cleared; a new key also restarts the hit count. */
    void stored(int g, boolean newKey) {
        UnsafeBuffer c = chunk(g);
        int s = side(g);
        if (newKey) {
            c.putInt(s + CacheArena.S_HITS, 0);
        }
        c.putLong(s + CacheArena.S_RETRY, 0);
        c.putIntRelease(s + CacheArena.S_REFRESHING, 0);
    }

    /** Claims the one background refresh an entry may have; false if one runs or a failure is recent. */
    boolean beginRefresh(int g, long now) {
        UnsafeBuffer c = chunk(g);
        int s = side(g);
        long after = c.getLong(s + CacheArena.S_RETRY);
        if (after != 0 && now - after < 0) {
            return false;
        }
        return c.compareAndSetInt(s + CacheArena.S_REFRESHING, 0, 1);
    }

    void endRefresh(int g, long now, long recheckNanos, boolean refreshed) {
        UnsafeBuffer c = chunk(g);
        int s = side(g);
        c.putLong(s + CacheArena.S_RETRY, recheckNanos > 0 && !refreshed ? (now + recheckNanos) | 1 : 0);
        c.putIntRelease(s + CacheArena.S_REFRESHING, 0);
    }

    /** Counts a fresh hit: hits less than {@code window} apart add up, otherwise the count restarts at 1. */
    int touch(int g, long now, long window) {
        UnsafeBuffer c = chunk(g);
        int s = side(g);
        int n = c.getInt(s + CacheArena.S_HITS);
        n = n == 0 || now - c.getLong(s + CacheArena.S_LAST_HIT) > window ? 1 : n + 1;
        c.putInt(s + CacheArena.S_HITS, n);
        c.putLong(s + CacheArena.S_LAST_HIT, now);
        return n;
    }
}
