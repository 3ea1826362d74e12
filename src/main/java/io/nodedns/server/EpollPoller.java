package io.nodedns.server;

import io.nodedns.sys.Epoll;
import io.nodedns.sys.LinuxSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.SelectableChannel;
import java.nio.channels.spi.AbstractSelectableChannel;

/**
 * epoll over the loop's channels, each found by an index carried in the event's data, plus an
 * eventfd for wakeups. Level-triggered, like the Selector it replaces; allocation-free per event.
 */
final class EpollPoller implements LoopPoller {
    private static final int MAX_EVENTS = 64;
    private static final long WAKE = -1;

    private final Arena arena = Arena.ofShared();
    private final int epfd;
    private final int wakeFd;
    private final MemorySegment events = arena.allocate(Epoll.EVENT_SIZE * MAX_EVENTS, 8);
    private final MemorySegment scratchEvent = arena.allocate(16, 8);
    private final MemorySegment one = Epoll.one(arena);
    private final MemorySegment drainBuffer = arena.allocate(8, 8);
    private SelectableChannel[] channels = new SelectableChannel[16];
    private LoopChannel[] handlers = new LoopChannel[16];
    private int[] fds = new int[16];

    EpollPoller() throws IOException {
        epfd = Epoll.create();
        if (epfd < 0) {
            throw new IOException("epoll_create1 failed");
        }
        wakeFd = Epoll.newEventFd();
        if (wakeFd < 0 || Epoll.add(epfd, wakeFd, WAKE, scratchEvent) != 0) {
            Epoll.close(epfd);
            throw new IOException("eventfd setup failed");
        }
    }

    @Override
    public void register(SelectableChannel channel, LoopChannel handler) throws IOException {
        int fd = LinuxSockets.fd((AbstractSelectableChannel) channel);
        if (fd < 0) {
            throw new IOException("no file descriptor for " + channel);
        }
        int slot = freeSlot();
        if (Epoll.add(epfd, fd, slot, scratchEvent) != 0) {
            throw new IOException("epoll_ctl ADD failed for fd " + fd);
        }
        channels[slot] = channel;
        handlers[slot] = handler;
        fds[slot] = fd;
    }

    /** A slot never used, or whose channel has been closed (closing a descriptor leaves the epoll set). */
    private int freeSlot() {
        for (int i = 0; i < channels.length; i++) {
            if (channels[i] == null || !channels[i].isOpen()) {
                return i;
            }
        }
        int n = channels.length;
        channels = java.util.Arrays.copyOf(channels, n * 2);
        handlers = java.util.Arrays.copyOf(handlers, n * 2);
        fds = java.util.Arrays.copyOf(fds, n * 2);
        return n;
    }

    @Override
    public void unregister(SelectableChannel channel) {
        for (int i = 0; i < channels.length; i++) {
            if (channels[i] == channel) {
                Epoll.remove(epfd, fds[i], scratchEvent);
                channels[i] = null;
                handlers[i] = null;
                return;
            }
        }
    }

    @Override
    public void poll(long timeoutMillis, UdpLoop owner) {
        int n = Epoll.await(epfd, events, MAX_EVENTS, (int) timeoutMillis);
        for (int i = 0; i < n; i++) {
            long data = events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * Epoll.EVENT_SIZE + Epoll.DATA_OFFSET);
            if (data == WAKE) {
                Epoll.drain(wakeFd, drainBuffer);
                continue;
            }
            int slot = (int) data;
            SelectableChannel channel = channels[slot];
            if (channel != null && channel.isOpen()) {
                owner.dispatch(handlers[slot]);
            }
        }
    }

    @Override
    public void wakeup() {
        Epoll.signal(wakeFd, one);
    }

    @Override
    public void close() {
        Epoll.close(wakeFd);
        Epoll.close(epfd);
        arena.close();
    }
}
