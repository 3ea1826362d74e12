package io.nodedns.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void namesAndTextsAsGoPrintsThem() {
        assertEquals("operation not permitted (EPERM)", Errno.describe(1));
        assertEquals("network is unreachable (ENETUNREACH)", Errno.describe(101));
        assertEquals("no buffer space available (ENOBUFS)", Errno.describe(105));
        assertEquals("errno 200", Errno.describe(200), "one not listed keeps its number");
        assertEquals("errno 0", Errno.describe(0));
    }

    @Test
    void theJdkMessageOfASocketErrorGivesItsErrno() {
        assertEquals(1, Errno.ofMessage("Operation not permitted"));
        assertEquals(113, Errno.ofMessage("No route to host"));
        assertEquals(0, Errno.ofMessage("something else"));
        assertEquals(0, Errno.ofMessage(null));
    }

    /** A failed connect(2) (a reload's leaveGroup) says why, for the warning that the socket stays in its group. */
    @Test
    void aFailedConnectReportsItsErrno() {
        org.junit.jupiter.api.Assumptions.assumeTrue(LinuxSockets.unavailableReason() == null, "needs Linux");
        assertEquals("connect(2): bad file descriptor (EBADF)",
                LinuxSockets.connect(-1, new java.net.InetSocketAddress("127.0.0.1", 9)));
    }
}
