package io.nodedns.server;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * One selector thread serving one SO_REUSEPORT UDP socket of a listener: receive, run the chain,
 * reply, all on this thread with pooled exchanges and preallocated buffers. Plugins may register
 * their own channels (upstream sockets) and tickers with the loop, so a forwarded query is sent
 * and its answer handled here too. Nothing that happens while serving a packet stops the loop.
 */
public final class UdpLoop implements Responder, LoopChannel {
    private static final int READ_BATCH = 64;
    private static final long TICK_MILLIS = 10;
    /** How often tickers run: often enough for timeouts, rarely enough to be a cold call (see runOnce). */
    static final long TICK_NANOS = 5_000_000L;
    /** Initial (and, pooled, largest) size of an exchange's request and response buffers. */
    static final int EXCHANGE_CAPACITY = 4096;
    /** Completions from other threads waiting for the loop; a full queue makes the sender spin until the next pass. */
    private static final int FOREIGN_QUEUE = 1024;

    private final Listener listener;
    private final int index;
    private final LoopPoller poller;
    /** The socket's I/O: recvmmsg/sendmmsg, or NIO where that is unavailable (picked by {@link UdpSockets}). */
    private final ListenIo udp;
    private final ExchangePool exchanges;
    private final ManyToOneConcurrentArrayQueue<Exchange> foreignCompletions = new ManyToOneConcurrentArrayQueue<>(
            FOREIGN_QUEUE);
    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(1024);
    private LoopTicker[] tickers = new LoopTicker[0];
    private long nextTick = System.nanoTime(); // nanoTime may be negative: never compare with 0
    private Object[] locals = new Object[8];
    private final Thread thread;
    private volatile boolean running = true;
    /** Set by close(): the thread ending after it is no failure. */
    private volatile boolean closing;
    private volatile boolean started;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** The socket's leaving its group and draining when the listener is replaced or stops. */
    private final UdpLoopRetirement retirement;
    // Read by Listener#collect at scrape time (nodedns_udp_shed, nodedns_loop_errors).
    final LongAdder overloadDrops = new LongAdder();
    final LongAdder parkSheds = new LongAdder();
    /** Throwables caught on this loop (each counted, logged at most every 10 s). */
    final LoopErrors errors;
    /** Waits in recvmmsg (rather than epoll_wait) that a datagram ended, not the receive timeout (loop thread only; read by tests). */
    private long receiveWaits;
    /** Datagrams read, added once per receive batch (loop thread only; read by HeapRelease's check, every 5 s). */
    private long datagrams;

    UdpLoop(Listener listener, int index) throws IOException {
        this.listener = listener;
        this.index = index;
        this.poller = LoopPoller.open();
        try {
            // The socket blocks (every other call on it passes MSG_DONTWAIT) with a receive timeout of
            // one poll, so a loop with nothing in flight waits in recvmmsg itself: a query then costs
            // two system calls instead of three (epoll_wait, recvmmsg, sendmmsg), as in dnsdist's blocking recvmsg.
            this.udp = UdpSockets.listen(listener.address(), poller, this, TICK_MILLIS);
        } catch (IOException | RuntimeException e) {
            poller.close();
            throw e;
        }
        this.retirement = new UdpLoopRetirement(this, poller, udp);
        this.errors = new LoopErrors("udp loop " + index + " of " + listener.label());
        this.thread = Thread.ofPlatform().name("nodedns-udp-" + listener.label() + "-" + index).daemon(true)
                .unstarted(this::run);
        this.exchanges = new ExchangePool(errors);
    }

    void start() {
        started = true;
        thread.start();
    }

    /** True when this loop's thread has ended without being closed: health and ready fail then. */
    boolean failed() {
        return started && !closing && !thread.isAlive();
    }

    /** True when an idle pass waits in recvmmsg on the (blocking) socket instead of in epoll. */
    boolean waitsInReceive() {
        return udp.waitsInReceive();
    }

    /** Waits in recvmmsg so far that a datagram ended; a plain read of a loop-thread counter, for tests. */
    long receiveWaits() {
        return receiveWaits;
    }

    /** Datagrams read so far; a plain read of a loop-thread counter (a 64-bit JVM does not tear it). */
    long datagrams() {
        return datagrams;
    }

    /** True when this loop moves datagrams with recvmmsg/sendmmsg rather than NIO. */
    public boolean nativeIo() {
        return udp.nativeIo();
    }

    public int index() {
        return index;
    }

    public Listener listener() {
        return listener;
    }

    public boolean onLoopThread() {
        return Thread.currentThread() == thread;
    }

    /** Registers a plugin channel (non-blocking) for reads; call on the loop thread (see {@link #execute}). */
    public void register(SelectableChannel ch, LoopChannel handler) throws IOException {
        poller.register(ch, handler);
    }

    /** Stops watching a plugin channel; call on the loop thread. Closing a channel also ends its watch. */
    public void unregister(SelectableChannel ch) {
        poller.unregister(ch);
    }

    Object local(int index) {
        Object[] l = locals;
        return index < l.length ? l[index] : null;
    }

    void local(int index, Object value) {
        if (index >= locals.length) {
            locals = java.util.Arrays.copyOf(locals, Math.max(index + 1, locals.length * 2));
        }
        locals[index] = value;
    }

    /** Removes a ticker; call on the loop thread. */
    public void removeTicker(LoopTicker ticker) {
        int n = 0;
        LoopTicker[] next = new LoopTicker[tickers.length];
        for (LoopTicker t : tickers) {
            if (t != ticker) {
                next[n++] = t;
            }
        }
        tickers = java.util.Arrays.copyOf(next, n);
    }

    /** Adds a ticker; call on the loop thread. */
    public void addTicker(LoopTicker ticker) {
        LoopTicker[] next = java.util.Arrays.copyOf(tickers, tickers.length + 1);
        next[tickers.length] = ticker;
        tickers = next;
    }

    /** Runs a task on the loop thread (setup work from other threads; not for per-query use). */
    public void execute(Runnable task) {
        while (!tasks.offer(task)) {
            Thread.onSpinWait();
        }
        poller.wakeup();
    }

    private void run() {
        try {
            while (running) {
                runOnce();
            }
        } finally {
            if (!closing) {
                io.nodedns.log.Log.error("server",
                        "udp loop " + index + " of " + listener.label() + " stopped; /health fails");
            }
            closeQuietly();
        }
    }

    /** Test hook: ends the loop's thread without closing it, as a loop that died would (see {@link #failed}). */
    void abandonForTest() {
        execute(() -> running = false);
    }

    /**
     * One pass of the loop. A method of its own so the JIT weighs its calls per pass: compiled
     * on-stack inside run(), every call looks hot, the timeout sweep got inlined into the query
     * path, and the first upstream timeout deoptimised the whole loop (seconds of slow code
     * competing with the compiler for the CPU). Ticking only when due keeps that call cold, so a trap in
     * the sweep recompiles the sweep alone.
     */
    private void runOnce() {
        try {
            if (exchanges.inFlight() == 0 && retirement.serving() && udp.waitsInReceive()) {
                // nothing in flight (a queued completion holds its exchange too), so no upstream
                // reply or completion can be due: wait for a query
                read(true);
            } else {
                poller.poll(TICK_MILLIS, this);
            }
            drainForeign();
            retirement.onPass();
            if (udp.queued() > 0) {
                udp.flush(this);
            }
            long now = System.nanoTime();
            if (now - nextTick >= 0) {
                nextTick = now + TICK_NANOS;
                LoopTicker[] ts = tickers;
                for (int i = 0; i < ts.length; i++) {
                    ts[i].onTick(now); // a call site taken about once per hundred passes under load
                }
                if (exchanges.trimDue(now)) {
                    exchanges.trim(now);
                }
            }
        } catch (Throwable t) { // nothing ends a loop but close() or an error the JVM cannot survive
            errors.caught(t);
        }
    }

    /** Runs one ready channel's handler; a handler's failure never stops the loop. */
    void dispatch(LoopChannel handler) {
        try {
            handler.onReadable();
        } catch (Throwable t) {
            errors.caught(t);
        }
    }

    /** Our own socket is readable: serve up to a few batches of datagrams. */
    @Override
    public void onReadable() {
        read(false);
    }

    /**
     * Loop thread (also a retiring socket's drain, {@link UdpLoopRetirement#onPass}).
     *
     * @param wait block for the first datagram (up to the socket's receive timeout)
     * @return datagrams read
     */
    int read(boolean wait) {
        ListenIo udp = this.udp;
        int batch = udp.batch();
        int read = 0;
        for (int round = 0; round < READ_BATCH / batch && retirement.reading(); round++) {
            int n = wait && round == 0 ? udp.receiveWaiting() : udp.receive();
            if (wait && round == 0 && n > 0) {
                receiveWaits++;
            }
            for (int i = 0; i < n; i++) {
                serve(udp, i);
            }
            if (udp.queued() > 0) {
                udp.flush(this);
            }
            read += n;
            datagrams += n;
            if (n < batch) {
                return read;
            }
        }
        return read;
    }

    /** Copies datagram i into a pooled exchange and runs the chain on it; no exchange: the query is shed. */
    private void serve(ListenIo udp, int i) {
        Exchange ex = exchanges.acquire();
        if (ex == null) {
            overloadDrops.increment();
            return;
        }
        int length = udp.length(i);
        ex.reset(Transport.UDP, listener, this, System.nanoTime());
        ExpandableDirectByteBuffer request = (ExpandableDirectByteBuffer) ex.request();
        if (request.capacity() < length) {
            request.checkLimit(length);
        }
        request.putBytes(0, udp.data(i), 0, length);
        ex.requestLength(length);
        ex.oversized(udp.truncated(i));
        udp.sender(i, ex);
        boolean kept;
        try {
            kept = QueryProcessor.process(ex);
        } catch (Throwable t) {
            errors.caught(t);
            kept = false;
        }
        if (!kept) {
            release(ex);
        }
    }

    private void drainForeign() {
        Exchange ex;
        while ((ex = foreignCompletions.poll()) != null) {
            send(ex);
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (Throwable t) {
                errors.caught(t);
            }
        }
    }

    @Override
    public void respond(Exchange ex) {
        if (Thread.currentThread() == thread) {
            send(ex);
        } else {
            while (!foreignCompletions.offer(ex)) {
                Thread.onSpinWait();
            }
            poller.wakeup();
        }
    }

    private void send(Exchange ex) {
        if (ex.responseLength() > 0) {
            udp.reply(ex, this);
        } else {
            release(ex);
        }
    }

    /** Counts and logs (rate-limited) a failure the socket's I/O caught. */
    void caught(Throwable t) {
        errors.caught(t);
    }

    /** Takes an exchange back; its query is done. */
    void release(Exchange ex) {
        exchanges.release(ex);
    }

    /**
     * True if a query may wait here for something (an upstream) and still leave exchanges for
     * queries answered at once ({@link ExchangePool#mayPark}). Loop thread.
     */
    public boolean mayPark() {
        return exchanges.mayPark();
    }

    /** Counts a query answered SERVFAIL at once because {@link #mayPark} said no. */
    public void countParkShed() {
        parkSheds.increment();
    }

    /** Exchanges handed out and not yet returned: queries in flight on this loop. */
    public int inFlight() {
        return exchanges.inFlight();
    }

    /** How this loop's socket leaves its group and drains ({@link Retirement}). */
    UdpLoopRetirement retirement() {
        return retirement;
    }

    void close() {
        closing = true;
        running = false;
        poller.wakeup();
        if (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly();
    }

    /** Closes the socket once; native memory and the poller only when the loop thread is gone. */
    private void closeQuietly() {
        try {
            udp.channel().close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
        if (Thread.currentThread() != thread && !thread.isAlive() && closed.compareAndSet(false, true)) {
            udp.free();
            poller.close();
            exchanges.close(); // the pool goes with the loop
        }
    }
}
