package io.nodedns.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PrelinkTest {
    @Test
    void linksOnItsOwnThreadWithoutSideEffects() throws InterruptedException {
        assumeTrue(new File("/proc/self/fd").isDirectory(), "needs Linux /proc to count file descriptors");
        int fdsBefore = openFds();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().unstarted(Prelink::run);
        t.setUncaughtExceptionHandler((thread, e) -> failure.set(e));
        t.start();
        t.join(60_000);
        assertFalse(t.isAlive(), "linking did not finish within 60 s");
        assertNull(failure.get(), "the calls on fd -1 must fail quietly (EBADF), not throw");
        assertNull(LinuxSockets.unavailableReason(), "the native path is linked on Linux");
        assertNull(Epoll.unavailableReason());
        assertNull(UpstreamDatagrams.unavailableReason());
        assertEquals(fdsBefore, openFds(), "prelinking opens no file descriptor");
    }

    private static int openFds() {
        String[] names = new File("/proc/self/fd").list();
        return names == null ? -1 : names.length;
    }
}
