package io.nodedns.difftest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential test (issue 18): knot serves the test zones on loopback, nodedns ({@code cache}
 * and {@code forward}, as shipped) and unbound both forward to it, and every case of
 * {@link DiffCases} is asked of both. nodedns must meet each case's RFC expectation; unbound's
 * result is printed beside it for comparison. Cases where CoreDNS departs on purpose say so and
 * are checked against that documented behaviour (docs/plugins/cache.md). Skipped when knotd or
 * unbound is not installed. Run alone: {@code bench/difftest.sh}.
 */
@Tag("difftest")
@Unmeasured
class DifferentialTest {
    @TempDir
    Path dir;

    @Test
    void nodednsAnswersEveryCaseAsTheRfcsSay() throws Exception {
        String missing = DiffServers.missing();
        Assumptions.assumeTrue(missing == null, missing);
        try (DiffServers others = DiffServers.start(dir)) {
            int port = FreePorts.udpAndTcp();
            try (TestServer nodedns = TestServer
                    .fromText(".:" + port + " {\n cache\n forward . 127.0.0.1:" + others.knotPort + "\n}\n")) {
                run(port, others.unboundPort);
            }
        }
    }

    private static void run(int nodedns, int unbound) throws Exception {
        List<DiffCase> cases = DiffCases.all();
        List<String> failures = new ArrayList<>();
        int passed = 0;
        int unboundPassed = 0;
        StringBuilder table = new StringBuilder();
        for (DiffCase c : cases) {
            List<String> ours = c.judge(ask(nodedns, c));
            List<String> theirs = c.judge(ask(unbound, c));
            if (ours.isEmpty()) {
                passed++;
            } else {
                failures.add(c.id + (c.item > 0 ? " [issue 18 item " + c.item + "]" : "") + ": " + ours);
            }
            if (theirs.isEmpty()) {
                unboundPassed++;
            }
            table.append(String.format("%-20s nodedns %-4s unbound %-4s %s%s%s%n", c.id, ours.isEmpty() ? "ok" : "FAIL",
                    theirs.isEmpty() ? "ok" : "FAIL", c.rfc,
                    c.departure == null ? "" : " [CoreDNS departure: " + c.departure + "]",
                    ours.isEmpty() ? "" : " nodedns: " + ours + (theirs.isEmpty() ? "" : " unbound: " + theirs)));
        }
        System.out.print(table);
        System.out.printf("difftest: %d cases; nodedns %d ok, %d failed; unbound %d ok%n",
                cases.size(), passed, cases.size() - passed, unboundPassed);
        assertTrue(failures.isEmpty(), "cases nodedns fails:\n" + String.join("\n", failures));
    }

    /** Sends the case's query {@code sends} times; the last reply's bytes, or null. */
    private static byte[] ask(int port, DiffCase c) throws Exception {
        byte[] reply = null;
        for (int i = 0; i < c.sends; i++) {
            if (i > 0 && c.pauseMillis > 0) {
                Thread.sleep(c.pauseMillis);
            }
            reply = c.tcp ? tcp(port, c.query) : udp(port, c.query);
        }
        return reply;
    }

    private static byte[] udp(int port, byte[] query) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(3000);
            s.send(new DatagramPacket(query, query.length, new InetSocketAddress("127.0.0.1", port)));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(buf, p.getLength());
        }
    }

    private static byte[] tcp(int port, byte[] query) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(3000);
            return DnsClient.exchange(s, query);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }
}
