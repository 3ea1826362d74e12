package io.nodedns.plugin.forward;

import static io.nodedns.plugin.forward.ForwardTesting.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.LoopAllocations;
import io.nodedns.testing.UdpIoMode;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * The UDP forward path allocates nothing per query once warm: measured on the loop thread itself
 * with ThreadMXBean, one client socket (so the loop's receive does not allocate a new sender
 * address), one loop ({@code multisocket 1}), on the default epoll + recvmmsg/sendmmsg path.
 */
class ForwardAllocationTest {
    private static final int WARMUP = 10_000;
    private static final int MEASURED = 20_000;

    /**
     * The NIO fallback (-Dnodedns.udp.native=false) is reported, not asserted: the JDK Selector boxes
     * ready descriptors above 127 and DatagramChannel.receive builds sender addresses, both by design.
     */
    @Test
    void reportNioFallbackFigure() throws Exception {
        try (UdpIoMode io = UdpIoMode.set("false")) {
            measure("NIO fallback client I/O and Selector", false); // allocates by design: the windows report it
        }
    }

    @Test
    void forwardedQueriesAllocateNothingWithNativeClientIo() throws Exception {
        measure("recvmmsg/sendmmsg client I/O", true);
    }

    /** Bytes per query on the loop thread: one window for the NIO fallback, else every window after warm-up. */
    private static void measure(String label, boolean nativeIo) throws Exception {
        try (FakeUpstream up = FakeUpstream.start();
                var s = start(".:PORT {\n multisocket 1\n forward . " + up.hostPort() + "\n}")) {
            // Answer with the query turned into an empty NOERROR reply: cheap, so the test is quick.
            up.behaviour((q, out) -> {
                byte[] r = q.wire().clone();
                r[2] |= (byte) 0x80;
                out.send(r);
            });
            long loop = LoopAllocations.loopThread(s.port());
            try (DatagramSocket client = new DatagramSocket()) {
                client.connect(new InetSocketAddress("127.0.0.1", s.port()));
                client.setSoTimeout(2000);
                byte[] query = DnsClient.query("alloc.example.org", Type.A).toWire();
                run(client, query, WARMUP);
                KeystreamWarmUp.toC2(); // the rare refill's C2 compile requests, before the windows
                int[] sent = {WARMUP};
                LoopAllocations.Kind forwarded = new LoopAllocations.Kind("forwarded", MEASURED, () -> {
                    run(client, query, MEASURED);
                    sent[0] += MEASURED;
                    return 0;
                });
                assertEquals(nativeIo, s.server().firstLoop().nativeIo(), "the I/O path measured");
                if (!nativeIo) { // allocates by design: one window says how much
                    double perQuery = LoopAllocations.window(loop, forwarded, new int[1]);
                    System.out.printf("forward UDP path, %s: %.3f bytes/query over %d queries%n", label, perQuery,
                            MEASURED);
                    assertEquals(sent[0], up.clientQueries());
                    return;
                }
                LoopAllocations.Result r = LoopAllocations.measure(loop, forwarded);
                System.out.printf("forward UDP path, %s, windows of %d queries: %s%n", label, MEASURED, r);
                assertEquals(sent[0], up.clientQueries());
                r.assertNothingAllocated();
            }
        }
    }

    private static void run(DatagramSocket client, byte[] query, int n) throws Exception {
        DatagramPacket out = new DatagramPacket(query, query.length);
        byte[] buf = new byte[4096];
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        for (int i = 0; i < n; i++) {
            query[0] = (byte) (i >>> 8);
            query[1] = (byte) i;
            client.send(out);
            in.setData(buf);
            client.receive(in);
            assertTrue(in.getLength() > 12 && buf[0] == query[0] && buf[1] == query[1], "reply " + i);
        }
    }
}
