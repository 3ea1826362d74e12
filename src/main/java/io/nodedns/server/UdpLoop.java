package io.nodedns.server;

import io.nodedns.sys.LinuxSockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

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
    private static final int EXCHANGE_CAPACITY = 4096;
    private static final int MAX_EXCHANGES = 16384;

    private final Listener listener;
    private final int index;
    private final DatagramChannel channel;
    private final LoopPoller poller;
    private final ByteBuffer rx = ByteBuffer.allocateDirect(Exchange.MAX_MESSAGE + 1);
    private final UnsafeBuffer rxView = new UnsafeBuffer(rx);
    private final Exchange[] pool = new Exchange[MAX_EXCHANGES];
    private int pooled;
    private int created;
    private final ManyToOneConcurrentArrayQueue<Exchange> foreignCompletions = new ManyToOneConcurrentArrayQueue<>(MAX_EXCHANGES);
    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(1024);
    private LoopTicker[] tickers = new LoopTicker[0];
    private long nextTick = System.nanoTime(); // nanoTime may be negative: never compare with 0
    private Object[] locals = new Object[8];
    private final Thread thread;
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean reading = true;
    private final LongAdder overloadDrops = new LongAdder();
    private final LongAdder errors = new LongAdder();
    /** The recvmmsg/sendmmsg path; null where it is unavailable (then NIO receive/send is used). */
    private final NativeUdpBatch batch;
    /**
     * The socket blocks (every other call on it passes MSG_DONTWAIT) with a receive timeout of one
     * poll, so a loop with nothing in flight waits in recvmmsg itself: a query then costs two system
     * calls instead of three (epoll_wait, recvmmsg, sendmmsg), as in dnsdist's blocking recvmsg.
     */
    private final boolean waitInReceive;
    /** Passes that waited in recvmmsg rather than epoll_wait (loop thread only; read by tests). */
    private long receiveWaits;

    UdpLoop(Listener listener, int index) throws IOException {
        this.listener = listener;
        this.index = index;
        InetSocketAddress bindTo = listener.address().socketAddress();
        // the wildcard ("" host) is dual-stack like Go's ":53"; a specific IPv4 address gets an IPv4 socket
        DatagramChannel ch = bindTo.getAddress() instanceof java.net.Inet4Address && !listener.address().host().isEmpty()
                ? DatagramChannel.open(java.net.StandardProtocolFamily.INET) : DatagramChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            ch.bind(bindTo);
            ch.configureBlocking(false);
            this.poller = LoopPoller.open();
            poller.register(ch, this);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        this.channel = ch;
        this.batch = nativeBatchFor(ch);
        this.waitInReceive = batch != null && blockingWithTimeout(ch);
        this.thread = Thread.ofPlatform().name("nodedns-udp-" + listener.label() + "-" + index).daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private static NativeUdpBatch nativeBatchFor(DatagramChannel ch) {
        if (!Boolean.parseBoolean(System.getProperty("nodedns.udp.native", "true"))
                || LinuxSockets.unavailableReason() != null) {
            return null;
        }
        int fd = LinuxSockets.fd(ch);
        if (fd < 0) {
            return null;
        }
        boolean wildcard = false;
        boolean v6 = false;
        try {
            InetSocketAddress local = (InetSocketAddress) ch.getLocalAddress();
            wildcard = local != null && local.getAddress().isAnyLocalAddress();
            v6 = local != null && local.getAddress() instanceof java.net.Inet6Address;
        } catch (IOException e) {
            // unknown: no packet info
        }
        boolean pktinfo = wildcard && (v6
                ? LinuxSockets.setIntOption(fd, LinuxSockets.SOL_IPV6, LinuxSockets.IPV6_RECVPKTINFO, 1)
                : LinuxSockets.setIntOption(fd, LinuxSockets.SOL_IP, LinuxSockets.IP_PKTINFO, 1));
        return new NativeUdpBatch(fd, pktinfo);
    }

    /** Makes the native path's socket blocking with a receive timeout of one poll; false if it cannot. */
    private static boolean blockingWithTimeout(DatagramChannel ch) {
        if (!Boolean.parseBoolean(System.getProperty("nodedns.udp.waitInReceive", "true"))) {
            return false;
        }
        int fd = LinuxSockets.fd(ch);
        if (!LinuxSockets.setReceiveTimeout(fd, TICK_MILLIS * 1000)) {
            return false;
        }
        try {
            ch.configureBlocking(true); // only our MSG_WAITFORONE receive waits; NIO never reads it
            return true;
        } catch (IOException | RuntimeException e) { // e.g. registered with a Selector (the NIO poller)
            return false;
        }
    }

    /** True when an idle pass waits in recvmmsg on the (blocking) socket instead of in epoll. */
    boolean waitsInReceive() {
        return waitInReceive;
    }

    /** Passes so far that waited in recvmmsg; a plain read of a loop-thread counter, for tests. */
    long receiveWaits() {
        return receiveWaits;
    }

    /** True when this loop moves datagrams with recvmmsg/sendmmsg rather than NIO. */
    public boolean nativeIo() {
        return batch != null;
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
        while (running) {
            runOnce();
        }
        closeQuietly();
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
            if (waitInReceive && created == pooled && reading) {
                // nothing in flight (a queued completion holds its exchange too), so no upstream
                // reply or completion can be due: wait for a query
                receiveWaits++;
                readNative(true);
            } else {
                poller.poll(TICK_MILLIS, this);
            }
            drainForeign();
            if (batch != null && batch.queued() > 0) {
                batch.flush(this);
            }
            long now = System.nanoTime();
            if (now - nextTick >= 0) {
                nextTick = now + TICK_NANOS;
                LoopTicker[] ts = tickers;
                for (int i = 0; i < ts.length; i++) {
                    ts[i].onTick(now); // a call site taken about once per hundred passes under load
                }
            }
        } catch (IOException | RuntimeException e) {
            errors.increment();
        } catch (Error e) {
            if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
                throw vme;
            }
            errors.increment();
        }
    }

    /** Runs one ready channel's handler; a handler's failure never stops the loop. */
    void dispatch(LoopChannel handler) {
        try {
            handler.onReadable();
        } catch (RuntimeException e) {
            errors.increment();
        }
    }

    /** Our own socket is readable: serve up to a few batches of datagrams. */
    @Override
    public void onReadable() {
        if (batch != null) {
            readNative(false);
            return;
        }
        for (int i = 0; i < READ_BATCH && reading; i++) {
            rx.clear();
            SocketAddress from;
            try {
                from = channel.receive(rx);
            } catch (IOException e) {
                errors.increment();
                return;
            }
            if (from == null) {
                return;
            }
            serve((InetSocketAddress) from, rx.position());
        }
    }

    /** @param wait block for the first datagram (up to the socket's receive timeout) */
    private void readNative(boolean wait) {
        for (int round = 0; round < READ_BATCH / NativeUdpBatch.BATCH && reading; round++) {
            int n = wait && round == 0 ? batch.receiveWaiting() : batch.receive();
            for (int i = 0; i < n; i++) {
                int length = batch.length(i);
                Exchange ex = acquire();
                if (ex == null) {
                    overloadDrops.increment();
                    continue;
                }
                ex.reset(Transport.UDP, listener, this, System.nanoTime());
                ExpandableDirectByteBuffer request = (ExpandableDirectByteBuffer) ex.request();
                if (request.capacity() < length) {
                    request.checkLimit(length);
                }
                request.putBytes(0, batch.slot(i), 0, length);
                ex.requestLength(length);
                ex.peer(batch.name(i), batch.nameLength(i));
                if (batch.pktinfo()) {
                    ex.replySourceFrom(batch.control(i), batch.controlLength(i));
                }
                run(ex);
            }
            if (batch.queued() > 0) {
                batch.flush(this);
            }
            if (n < NativeUdpBatch.BATCH) {
                return;
            }
        }
    }

    private void run(Exchange ex) {
        boolean kept;
        try {
            kept = QueryProcessor.process(ex);
        } catch (RuntimeException e) {
            errors.increment();
            kept = false;
        }
        if (!kept) {
            release(ex);
        }
    }

    private void serve(InetSocketAddress from, int length) {
        if (length > Exchange.MAX_MESSAGE) {
            return; // cannot be a DNS message
        }
        Exchange ex = acquire();
        if (ex == null) {
            overloadDrops.increment();
            return;
        }
        ex.reset(Transport.UDP, listener, this, System.nanoTime());
        ExpandableDirectByteBuffer request = (ExpandableDirectByteBuffer) ex.request();
        if (request.capacity() < length) {
            request.checkLimit(length);
        }
        request.putBytes(0, rxView, 0, length);
        ex.requestLength(length);
        ex.client().set(from);
        run(ex);
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
            } catch (RuntimeException e) {
                errors.increment();
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
        int length = ex.responseLength();
        if (batch != null) {
            if (length <= 0) {
                release(ex);
            } else if (!batch.queue(ex)) {
                batch.flush(this);
                batch.queue(ex);
            }
            return;
        }
        if (length > 0) {
            ByteBuffer out = ex.response().byteBuffer();
            out.clear().limit(length);
            try {
                channel.send(out, ex.client().socketAddress());
            } catch (IOException | RuntimeException e) {
                errors.increment();
            }
        }
        release(ex);
    }

    private Exchange acquire() {
        if (pooled > 0) {
            Exchange ex = pool[--pooled];
            pool[pooled] = null;
            return ex;
        }
        if (created < MAX_EXCHANGES) {
            created++;
            return new Exchange(EXCHANGE_CAPACITY);
        }
        return null;
    }

    void release(Exchange ex) {
        ex.detach();
        pool[pooled++] = ex;
    }

    /** Exchanges handed out and not yet returned: queries in flight on this loop. */
    public int inFlight() {
        return created - pooled;
    }

    public long overloadDrops() {
        return overloadDrops.sum();
    }

    public long errors() {
        return errors.sum();
    }

    void stopReading() {
        reading = false;
        execute(() -> {
            poller.unregister(channel);
        });
    }

    void close() {
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
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
        if (Thread.currentThread() != thread && !thread.isAlive() && closed.compareAndSet(false, true)) {
            if (batch != null) {
                batch.close();
            }
            poller.close();
        }
    }
}
