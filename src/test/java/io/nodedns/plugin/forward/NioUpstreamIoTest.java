package io.nodedns.plugin.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.nodedns.server.UdpIo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.Test;

/** The NIO upstream socket keeps the JDK's exception of a failed send whose errno it cannot tell. */
class NioUpstreamIoTest {
    @Test
    void aSendWithNoKnownErrnoKeepsTheJdkText() throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
        ch.close();
        NioUpstreamIo io = new NioUpstreamIo(ch, new UpstreamBuffers());
        assertEquals(UdpIo.FAILED, io.send(12));
        assertEquals(0, io.sendErrno()); // ClosedChannelException has no message
        assertInstanceOf(ClosedChannelException.class, io.sendFailure());
        assertEquals("java.nio.channels.ClosedChannelException", UpstreamSocket.failureText(0, io.sendFailure()));
        assertEquals("network is unreachable (ENETUNREACH)", UpstreamSocket.failureText(101, null));
    }
}
