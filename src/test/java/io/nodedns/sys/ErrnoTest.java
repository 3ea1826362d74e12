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
}
