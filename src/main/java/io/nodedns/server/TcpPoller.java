package io.nodedns.server;

import io.nodedns.sys.Epoll;
import io.nodedns.sys.StreamSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.LongAdder;

/**
 * Waits, for every TCP listener of the process, until an idle connection has a whole message to
 * read: one platform thread and one epoll set, so a waiting connection costs no thread, stack or
 * buffer. Watches are one-shot (a connection being served is not reported again until it waits
 * again) and each connection's SO_RCVLOWAT is raised to the length of the message it is sending,
 * so a client that trickles its bytes is never reported at all; its read or idle deadline closes it.
 * An event carries a slot and that slot's generation, so one for a closed connection whose slot
 * was reused is recognised and dropped.
 */
final class TcpPoller {
    static final int EVENTS = Epoll.EPOLLIN | Epoll.EPOLLRDHUP | Epoll.EPOLLONESHOT;
    private static final int MAX_EVENTS = 64;
    private static TcpPoller shared;
    private static String unavailable;

    private final int epfd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events = arena.allocate(Epoll.EVENT_SIZE * MAX_EVENTS, 8);
    /** Scratch of the poller thread: the length prefix being read, and SO_RCVLOWAT's value. */
    final MemorySegment prefix = arena.allocate(8, 8);
    final MemorySegment lowWater = arena.allocate(4, 4);
    final MemorySegment ctlScratch = arena.allocate(16, 8);
    private final LongAdder failures = new LongAdder();
    private PolledTcpConnection[] slots = new PolledTcpConnection[64];
    private int[] generations = new int[64];
    private int[] free = new int[64];
    private int freeCount;
    private int used;

    private TcpPoller() throws IOException {
        epfd = Epoll.create();
        if (epfd < 0) {
            throw new IOException("epoll_create1 failed");
        }
        Thread.ofPlatform().daemon().name("nodedns-tcp-poller").start(this::run);
    }

    /** The process's poller, started on first use; null where epoll cannot be used (connections then block a virtual thread each). */
    static synchronized TcpPoller shared() {
        if (shared == null && unavailable == null) {
            unavailable = StreamSockets.unavailableReason();
            if (unavailable == null) {
                try {
                    shared = new TcpPoller();
                } catch (IOException | RuntimeException e) {
                    unavailable = e.toString();
                }
            }
        }
        return shared;
    }

    /** Starts watching a new connection; false if epoll refused it. {@code scratch16} belongs to the caller. */
    boolean watch(PolledTcpConnection c, int fd, MemorySegment scratch16) {
        long key = attach(c);
        c.key = key;
        if (Epoll.add(epfd, fd, EVENTS, key, scratch16) != 0) {
            detach(key);
            return false;
        }
        return true;
    }

    /** Re-enables the one-shot watch of a connection that waits again; reported at once if its message is already here. */
    boolean rearm(PolledTcpConnection c, int fd, MemorySegment scratch16) {
        return Epoll.rearm(epfd, fd, EVENTS, c.key, scratch16) == 0;
    }

    private synchronized long attach(PolledTcpConnection c) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == slots.length) {
                int n = used * 2;
                slots = java.util.Arrays.copyOf(slots, n);
                generations = java.util.Arrays.copyOf(generations, n);
                free = java.util.Arrays.copyOf(free, n);
            }
            slot = used++;
        }
        slots[slot] = c;
        int generation = ++generations[slot];
        return ((long) generation << 32) | slot;
    }

    /** Frees a closed connection's slot (closing its descriptor already left the epoll set). */
    synchronized void detach(long key) {
        int slot = (int) key;
        if (slot < used && slots[slot] != null && slots[slot].key == key) {
            slots[slot] = null;
            free[freeCount++] = slot;
        }
    }

    private synchronized PolledTcpConnection lookup(long key) {
        int slot = (int) key;
        PolledTcpConnection c = slot < used ? slots[slot] : null;
        return c != null && c.key == key ? c : null;
    }

    /** Connections a failure closed while being read (counted, never ending the poller). */
    long failures() {
        return failures.sum();
    }

    private void run() {
        while (true) {
            int n = Epoll.await(epfd, events, MAX_EVENTS, -1);
            for (int i = 0; i < n; i++) {
                long at = i * Epoll.EVENT_SIZE;
                int ready = events.get(ValueLayout.JAVA_INT_UNALIGNED, at);
                PolledTcpConnection c = lookup(events.get(ValueLayout.JAVA_LONG_UNALIGNED, at + Epoll.DATA_OFFSET));
                if (c == null) {
                    continue;
                }
                try {
                    c.readable(ready, this);
                } catch (Throwable t) {
                    // one broken connection (or an allocation failure) must not stop the others
                    failures.increment();
                    c.closeAfterFailure();
                }
            }
        }
    }
}
