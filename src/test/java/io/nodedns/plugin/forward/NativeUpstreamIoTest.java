package io.nodedns.plugin.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nodedns.server.UdpIo;
import io.nodedns.sys.Errno;
import io.nodedns.sys.UpstreamDatagrams;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The FFM upstream socket keeps the errno of a failed send as a number, for the text built where it is read. */
class NativeUpstreamIoTest {
    @Test
    void nativeSendKeepsTheErrnoOfTheFailure() {
        assumeTrue(UpstreamDatagrams.unavailableReason() == null, "no FFM socket calls here; skipped");
        ByteBuffer tx = ByteBuffer.allocateDirect(64);
        UpstreamDatagrams datagrams = new UpstreamDatagrams(new UnsafeBuffer(tx).addressOffset(), 64);
        NativeUpstreamIo io = new NativeUpstreamIo(-1, datagrams); // no such descriptor: EBADF
        assertEquals(UdpIo.FAILED, io.send(12));
        assertEquals("bad file descriptor (EBADF)", Errno.describe(io.sendErrno()));
    }
}
