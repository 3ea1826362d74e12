package io.nodedns.plugin.cache;

import io.nodedns.server.Exchange;
import io.nodedns.server.Responder;
import io.nodedns.server.ResponseHook;
import io.nodedns.server.Transport;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * One background query down the rest of the chain, on an exchange this object owns (it is that
 * exchange's responder and response hook): a prefetch, the refresh of an entry served stale, or
 * a serve_stale {@code verify} on which a client waits. It runs on a virtual thread and carries
 * TCP as its transport, like CoreDNS's prefetch (64 KiB budget, no truncation). This path
 * allocates; it runs at most once per entry at a time and at most {@link #MAX_IN_FLIGHT} at once.
 */
final class CacheRefresh implements Runnable, Responder, ResponseHook {
    static final int PREFETCH = CacheHandler.PREFETCH;
    static final int STALE = CacheHandler.STALE;
    static final int VERIFY = 3;
    static final int MAX_IN_FLIGHT = 1024;
    /** Safety net if the rest of the chain never completes (forward gives up after 5 s). */
    private static final long MAX_WAIT_SECONDS = 10;

    private final CacheHandler plugin;
    private final Exchange own;
    private final CacheStore store;
    private final int entry;
    private final int mode;
    private final boolean tracked;
    private final Exchange client;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile boolean refreshed;
    private volatile Thread timer;

    private CacheRefresh(CacheHandler plugin, Exchange origin, CacheStore store, int entry, int mode, boolean tracked) {
        this.plugin = plugin;
        this.store = store;
        this.entry = entry;
        this.mode = mode;
        this.tracked = tracked;
        this.client = mode == VERIFY ? origin : null;
        int length = origin.requestLength();
        this.own = new Exchange(Math.max(4096, length));
        own.resetFor(origin, Transport.TCP, this, System.nanoTime());
        own.request().putBytes(0, origin.request(), 0, length);
        DnsHeader.flag(own.request(), 0, DnsHeader.AD, true);
        own.requestLength(length);
        if (own.query().wrap(own.request(), 0, length) != QueryView.OK) {
            throw new IllegalStateException("request no longer parses");
        }
        own.addHook(this);
    }

    /**
     * Starts a refresh for entry {@code entry} of {@code store}; {@code tracked} means the entry's
     * refresh flag was claimed and must be released. Returns false if too many run already.
     */
    static boolean start(CacheHandler plugin, Exchange origin, CacheStore store, int entry, int mode, boolean tracked) {
        CacheState state = plugin.state;
        CacheRefresh refresh = null;
        if (state.refreshes.incrementAndGet() <= MAX_IN_FLIGHT) {
            try {
                refresh = new CacheRefresh(plugin, origin, store, entry, mode, tracked);
            } catch (RuntimeException e) {
                refresh = null;
            }
        }
        if (refresh == null) {
            state.refreshes.decrementAndGet();
            if (tracked) {
                store.activity.endRefresh(entry, plugin.clock.nanoTime(), 0, true);
            }
            return false;
        }
        if (mode != VERIFY) {
            state.prefetches.increment();
        } else if (plugin.verifyTimeoutNanos > 0) {
            refresh.startTimer();
        }
        Thread.ofVirtual().name("nodedns-cache-refresh").start(refresh);
        return true;
    }

    private void startTimer() {
        long nanos = plugin.verifyTimeoutNanos;
        timer = Thread.ofVirtual().name("nodedns-cache-verify").start(() -> {
            try {
                Thread.sleep(Duration.ofNanos(nanos));
            } catch (InterruptedException e) {
                return;
            }
            if (answered.compareAndSet(false, true)) {
                answer(false);
            }
        });
    }

    @Override
    public void run() {
        try {
            own.serveOwn(plugin.rest());
            done.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // a refresh must never take anything else down; the entry simply stays as it was
        } finally {
            if (tracked) {
                store.activity.endRefresh(entry, plugin.clock.nanoTime(), mode == PREFETCH ? 0 : plugin.recheckNanos,
                        refreshed);
            }
            if (client != null && answered.compareAndSet(false, true)) {
                Thread t = timer;
                if (t != null) {
                    t.interrupt();
                }
                answer(done.getCount() == 0 && refreshed);
            }
            plugin.state.refreshes.decrementAndGet();
        }
    }

    /** The verified client gets the fresh reply if it refreshed the entry, else the stale entry. */
    private void answer(boolean fresh) {
        try {
            int length = own.responseLength();
            if (fresh && length > 0) {
                ExpandableDirectByteBuffer out = client.response();
                if (out.capacity() < length) {
                    out.checkLimit(length);
                }
                out.putBytes(0, own.response(), 0, length);
                CacheHandler.patchHeader(client, out, false);
                client.written(length, CacheHandler.NAME);
                client.complete();
            } else if (plugin.serveCached(client)) {
                client.complete();
            } else {
                client.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
            }
        } catch (RuntimeException e) {
            client.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
        }
    }

    @Override
    public void onResponse(Exchange ex) {
        refreshed = plugin.intake.process(ex, mode == PREFETCH ? CacheHandler.PREFETCH : CacheHandler.STALE);
    }

    @Override
    public void respond(Exchange ex) {
        done.countDown();
    }
}
