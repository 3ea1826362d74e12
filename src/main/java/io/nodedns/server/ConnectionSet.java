package io.nodedns.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The open stream connections of one listener (DNS over TCP and TLS, and the HTTP listeners of
 * health, ready, metrics and pprof): the cap, at which a new connection takes the place of the one
 * that has waited longest (slowloris connections that trickle or sit idle, or HTTP clients that do
 * not read their replies, cannot keep out clients that send their query at once; connections
 * serving a query are never evicted, so if all are busy the new one is refused), and the reaper
 * that closes connections past their deadlines four times a second. The reaper parks while there
 * is no connection: a UDP-only node pays no wake-ups for it (each wake-up of a virtual thread
 * preempts the UDP loop on its CPU).
 */
final class ConnectionSet<C extends ConnectionSet.Member> {
    /** What the set asks of a connection. */
    interface Member {
        /** When it began waiting for a query (nanoTime), or 0 while one is in flight. */
        long waitingSince();

        /** Closes it if it only waits; false if it is busy. */
        boolean evict();

        /** Closes it if past a deadline. */
        void expireIfDue(long now);

        /** Closes it whatever it does (shutdown). */
        void close();
    }

    private final Set<C> members = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean running = true;
    private Thread reaper;

    void startReaper(String name) {
        reaper = Thread.ofVirtual().name(name).start(this::reap);
    }

    private void reap() {
        while (running) {
            if (members.isEmpty()) {
                LockSupport.park(this); // add() unparks us; stop() interrupts
                continue;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (C c : members) {
                c.expireIfDue(now);
            }
        }
    }

    /**
     * Acceptor only (so the count cannot rise between check and count): room for one more under
     * {@code max}, evicting the longest-waiting at the cap; false when refused.
     */
    boolean admit(int max) {
        if (open.get() >= max && !evictLongestWaiting()) {
            return false;
        }
        open.incrementAndGet();
        return true;
    }

    /** An admitted connection that could not be started (it was never added). */
    void unadmit() {
        open.decrementAndGet();
    }

    void add(C c) {
        members.add(c);
        LockSupport.unpark(reaper);
    }

    /** A connection closed (once: later calls for it change nothing). */
    void remove(C c) {
        if (members.remove(c)) {
            open.decrementAndGet();
        }
    }

    /**
     * Evicts the longest-waiting member. The scan is not atomic with evict(): a member may turn
     * busy after it is picked, and its evict() fails; then the next longest-waiting is tried, so a
     * newcomer is not refused while others still wait.
     */
    private boolean evictLongestWaiting() {
        List<C> refused = null;
        while (true) {
            C victim = null;
            long oldest = Long.MAX_VALUE;
            for (C c : members) {
                long since = c.waitingSince();
                if (since != 0 && since < oldest && (refused == null || !refused.contains(c))) {
                    oldest = since;
                    victim = c;
                }
            }
            if (victim == null) {
                return false;
            }
            if (victim.evict()) {
                return true;
            }
            if (refused == null) {
                refused = new ArrayList<>(4);
            }
            refused.add(victim);
        }
    }

    int open() {
        return open.get();
    }

    void forEach(java.util.function.Consumer<? super C> action) {
        members.forEach(action);
    }

    Thread reaper() {
        return reaper;
    }

    /** Stops the reaper and closes every connection. */
    void stop() {
        running = false;
        if (reaper != null) {
            reaper.interrupt();
        }
        for (C c : members) {
            c.close();
        }
    }
}
