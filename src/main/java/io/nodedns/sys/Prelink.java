package io.nodedns.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Links this package's downcalls (FFM) on a thread of their own while {@code main} parses the
 * Corefile and sets plugins up. Linking generates classes that JDK 25's AOT cache cannot keep
 * (~250 ms of CPU before the UDP loops exist, ~150 ms more at the first forwarded query:
 * docs/operations.md "Start-up and JVM flags"); on a second core that work no longer delays the
 * first answer. The class initialisers run on this thread; a thread that needs a class meanwhile
 * waits for that initialisation (JLS 12.4.2) instead of linking again. Each call is then made
 * once on fd -1 (EBADF, no side effect), so the invokers of the call sites are linked too.
 */
public final class Prelink {
    private Prelink() {}

    /** Starts the linking thread (a daemon: an exit does not wait for it). */
    public static Thread start() {
        Thread t = Thread.ofPlatform().daemon().name("nodedns-prelink").unstarted(Prelink::run);
        t.start();
        return t;
    }

    /** Links and calls once what the UDP loops, their pollers, the TCP poller and forward's upstream sockets use. */
    static void run() {
        if (LinuxSockets.unavailableReason() != null || Epoll.unavailableReason() != null) {
            return; // NIO is used instead; nothing to link
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(LinuxSockets.MMSGHDR_SIZE, 8);
            LinuxSockets.recvmmsg(-1, scratch, 1, LinuxSockets.MSG_DONTWAIT);
            LinuxSockets.sendmmsg(-1, scratch, 1, LinuxSockets.MSG_DONTWAIT);
            LinuxSockets.setIntOption(-1, LinuxSockets.SOL_IP, LinuxSockets.IP_PKTINFO, 1);
            Epoll.add(-1, -1, 0L, scratch);
            Epoll.await(-1, scratch, 1, 0);
            Epoll.signal(-1, scratch);
            Epoll.drain(-1, scratch);
        }
        UpstreamDatagrams.prelink();
        StreamSockets.unavailableReason(); // the TCP poller's recv and setsockopt: descriptors linked above
    }
}
