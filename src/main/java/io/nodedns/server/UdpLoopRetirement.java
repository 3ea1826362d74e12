package io.nodedns.server;

/**
 * How one {@link UdpLoop}'s socket is retired when a reload replaces its listener or the process
 * stops ({@link Retirement}): it leaves its SO_REUSEPORT group ({@link UdpSockets#leaveGroup}), the
 * loop serves what it queued, a read each pass, until a read finds it empty or a deadline passes,
 * and then stops reading. Its state is written on the loop thread (through
 * {@link UdpLoop#execute}); {@link #reading} is also read by the retiring thread.
 */
final class UdpLoopRetirement {
    private final UdpLoop loop;
    private final LoopPoller poller;
    private final ListenIo udp;
    private volatile boolean reading = true;
    /** Loop thread: set by {@link #stopReadingWhenEmpty}, each pass reads until a read finds the socket empty. */
    private boolean draining;
    /** Loop thread: when a draining loop stops reading even if its socket never ran dry. */
    private long drainUntil;

    UdpLoopRetirement(UdpLoop loop, LoopPoller poller, ListenIo udp) {
        this.loop = loop;
        this.poller = poller;
        this.udp = udp;
    }

    /** False once the loop has stopped reading its socket. */
    boolean reading() {
        return reading;
    }

    /** Loop thread: true while the loop reads as usual, neither draining nor stopped (an idle pass may wait in recvmmsg). */
    boolean serving() {
        return reading && !draining;
    }

    /** {@link UdpSockets#leaveGroup} for a reload: null once new datagrams go to the group's other sockets. */
    String leaveGroup() {
        return UdpSockets.leaveGroup(udp);
    }

    /** Stops reading at once (a socket that could not leave its group: what it queues is lost). */
    void stopReading() {
        reading = false;
        loop.execute(this::unregister);
    }

    /** After {@link #leaveGroup}: serves what the socket holds in the loop's passes, a read each, then stops reading. */
    void stopReadingWhenEmpty(long untilNanos) {
        loop.execute(() -> {
            drainUntil = untilNanos;
            draining = true;
        });
    }

    /** Loop thread, each pass: a draining loop's read; the first that finds nothing (or the deadline) ends the reading. */
    void onPass() {
        if (draining && reading && (loop.read(false) == 0 || System.nanoTime() - drainUntil >= 0)) {
            unregister();
        }
    }

    private void unregister() {
        reading = false;
        poller.unregister(udp.channel());
    }
}
