package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * A loop with nothing in flight waits for the next query in recvmmsg itself (two system calls per
 * query, not three): it must still answer every query, run tasks handed to it and stop promptly,
 * although nothing but a datagram or the socket's receive timeout ends that wait.
 */
class UdpLoopWaitInReceiveTest {
    private static final String COREFILE = "example.org:%d {\n multisocket 1\n whoami\n}\n";

    @Test
    void anIdleLoopWaitsInReceiveAndAnswersEveryQuery() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText(COREFILE.formatted(port));
                DnsClient client = new DnsClient(port)) {
            UdpLoop loop = server.firstLoop();
            assumeTrue(loop.nativeIo(), "recvmmsg path unavailable here");
            assertTrue(loop.waitsInReceive(), "the native path waits in receive");
            long before = loop.receiveWaits();
            for (int i = 0; i < 200; i++) {
                Message reply = client.udp(DnsClient.query("q" + i + ".example.org.", Type.A));
                assertNotNull(reply, "query " + i + " answered");
            }
            long waits = loop.receiveWaits() - before;
            // only waits that a datagram ended count, so idle receive timeouts cannot make up the number
            assertTrue(waits >= 200,
                    "each query found the loop waiting in recvmmsg: " + waits + " waits ended by a query");
        }
    }

    @Test
    void tasksRunAndTheLoopStopsWhileItWaitsInReceive() throws Exception {
        int port = FreePorts.udpAndTcp();
        TestServer server = TestServer.fromText(COREFILE.formatted(port));
        UdpLoop loop;
        try {
            loop = server.firstLoop();
            assumeTrue(loop.waitsInReceive(), "recvmmsg path unavailable here");
            for (int i = 0; i < 20; i++) {
                Thread.sleep(15); // past a receive timeout: the loop is back in recvmmsg
                CountDownLatch ran = new CountDownLatch(1);
                long start = System.nanoTime();
                loop.execute(ran::countDown);
                // the eventfd cannot end a wait in recvmmsg: the receive timeout (one poll) bounds it
                assertTrue(ran.await(1, TimeUnit.SECONDS), "task " + i + " ran");
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMillis < 200, "task " + i + " waited " + tookMillis + " ms");
            }
        } finally {
            long start = System.nanoTime();
            server.close();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis < 1500, "stopping took " + tookMillis + " ms");
        }
    }
}
