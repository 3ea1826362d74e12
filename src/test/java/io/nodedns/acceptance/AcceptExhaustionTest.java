package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The TCP acceptor when the process is out of file descriptors (EMFILE), over real sockets: a
 * child JVM whose soft open-file limit is lowered (prlimit) to a few above what it holds, then
 * more connections than that. accept() then fails at once every time; before the back-off the
 * acceptor retried at once, a carrier thread at 100 % CPU, and counted nothing. Now: the process
 * uses little CPU while exhausted, UDP is answered meanwhile, TCP is answered again once the
 * client lets go, and the failures are in {@code nodedns_loop_errors_total}.
 */
class AcceptExhaustionTest {
    /** Descriptors left to the child above those it holds when the limit is lowered. */
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
    private static final int HEADROOM = 16;
    private static final int CONNECTIONS = 64;
    /** Linux's USER_HZ, the unit of utime and stime in /proc/PID/stat. */
    private static final int TICKS_PER_SECOND = 100;

    private static final Message Q = DnsClient.query("a.example.org", Type.A);

    @TempDir
    Path dir;

    /** The child under test with its ports and a client of its DNS port. */
    private record Child(ImageJvm jvm, DnsClient client, int port, int metrics) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try (ImageJvm stop = jvm) {
                client.close();
            }
        }
    }

    /**
     * Starts the image's JVM on {@code corefile} formatted with its DNS port, its metrics port and
     * {@code more}, and waits until it answers {@link #Q} over UDP; skips the test without prlimit.
     */
    private Child childWith(String corefile, Object... more) throws Exception {
        assumeTrue(Files.isExecutable(PRLIMIT), "prlimit is not installed (Debian package util-linux)");
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        List<Object> args = new ArrayList<>(List.of(port, metrics));
        args.addAll(List.of(more));
        Path file = Files.writeString(dir.resolve("Corefile"), corefile.formatted(args.toArray()));
        ImageJvm p = ImageJvm.start(file, dir.resolve("out.log"));
        Child child = new Child(p, new DnsClient(port), port, metrics);
        try {
            p.awaitReply(child.client(), Q, Duration.ofSeconds(60));
            return child;
        } catch (Throwable t) {
            child.close();
            throw t;
        }
    }

    @Test
    @Timeout(180)
    void exhaustedDescriptorsDoNotSpinTheAcceptorNorStopUdp() throws Exception {
        // read 60s: the connections held below must not be closed by the server while measured
        try (Child c = childWith("""
                example.org:%1$d {
                    prometheus 127.0.0.1:%2$d
                    timeouts {
                        read 60s
                    }
                    whoami
                }
                """)) {
            assertEquals(Rcode.NOERROR, c.client().tcp(Q).getRcode(), "TCP served before the limit");
            String server = "server=\"dns://:" + c.port() + "\"";
            assertEquals(0, BlackHoleFloodTest.counter(BlackHoleFloodTest.get(c.metrics(), "/metrics"),
                    "nodedns_loop_errors_total{", server));

            exhaust(c, c.port());

            Message tcp = null;
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (tcp == null && System.nanoTime() < deadline) {
                try {
                    tcp = c.client().tcp(Q);
                } catch (IOException notYet) {
                    Thread.sleep(100); // the backlog of closed connections is accepted first
                }
            }
            assertTrue(tcp != null && tcp.getRcode() == Rcode.NOERROR, "TCP answered after the client let go");
            long errors = BlackHoleFloodTest.counter(BlackHoleFloodTest.get(c.metrics(), "/metrics"),
                    "nodedns_loop_errors_total{", server);
            System.out.println("accept failures counted: " + errors);
            assertTrue(errors > 0, "accept failures counted: " + errors);
            // backing off 5 ms doubling to 1 s, the few seconds out of descriptors are about a dozen
            // failures; retrying at once fails thousands of times a second
            assertTrue(errors < 100, "accept retried only after a pause: " + errors + " failures");
            assertTrue(c.jvm().isAlive(), "process alive");
        }
    }

    /**
     * An {@code https://} listener (cleartext) out of descriptors: Jetty accepted on its selector
     * and, accept failing, selected again at once and logged a warning with a stack trace each
     * time (47 % of a core, 17,668 warnings in 3 s). Now its acceptor thread pauses as the TCP one
     * does, counts the failures and logs at most one line per 10 s.
     */
    @Test
    @Timeout(180)
    void exhaustedDescriptorsDoNotSpinTheDohListenerNorFloodTheLog() throws Exception {
        int doh = FreePorts.udpAndTcp();
        try (Child c = childWith("""
                example.org:%1$d {
                    prometheus 127.0.0.1:%2$d
                    whoami
                }
                https://.:%3$d {
                    bind 127.0.0.1
                    timeouts {
                        read 60s
                    }
                    whoami
                }
                """, doh); HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + doh + "/dns-query?dns="
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(Q.toWire()))).build();
            assertEquals(200, awaitStatus(http, get), "DoH before the limit"); // may start after UDP
            long linesBefore = c.jvm().log().lines().count();

            exhaust(c, doh);

            long lines = c.jvm().log().lines().count() - linesBefore;
            System.out.println("log lines while out of descriptors: " + lines);
            assertTrue(lines <= 10, "failed accepts logged at most once per 10 s: " + lines + " lines, from "
                    + c.jvm().log().lines().skip(linesBefore).limit(12).toList());
            // the backlog of closed connections is accepted first
            assertEquals(200, awaitStatus(http, get), "DoH answered after the client let go");
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.metrics() + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build();
            String body = null;
            for (int i = 0; i < 3 && body == null; i++) {
                try {
                    body = http.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
                } catch (IOException notYet) {
                    System.out.println("metrics scrape after the exhaustion: " + notYet);
                }
            }
            long errors = BlackHoleFloodTest.counter(body, "nodedns_loop_errors_total{", ":" + doh + "\"");
            System.out.println("DoH accept failures counted: " + errors);
            assertTrue(errors > 0 && errors < 100, "accept retried only after a pause: " + errors + " failures");
            assertTrue(c.jvm().isAlive(), "process alive");
        }
    }

    /**
     * Lowers the child's open-file limit to {@link #HEADROOM} above what it holds, holds
     * {@link #CONNECTIONS} to {@code tcpPort} so that it runs out, and checks over 2 s that the
     * child uses under 20 % of a core and answers every UDP query meanwhile.
     */
    private static void exhaust(Child child, int tcpPort) throws Exception {
        ImageJvm p = child.jvm();
        int limit = openFiles(p.pid()) + HEADROOM;
        Process lower = new ProcessBuilder(PRLIMIT.toString(), "--pid", Long.toString(p.pid()),
                "--nofile=" + limit + ":")
                .inheritIO().start();
        assertEquals(0, lower.waitFor(), "prlimit");
        List<SocketChannel> held = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) { // the kernel's backlog (1024) completes them all
                held.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", tcpPort)));
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (openFiles(p.pid()) < limit && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(limit, openFiles(p.pid()), "the child's descriptors are exhausted");
            Thread.sleep(200);

            long cpu0 = cpuTicks(p.pid());
            long t0 = System.nanoTime();
            int asked = 0;
            int answered = 0;
            while (System.nanoTime() - t0 < 2_000_000_000L) {
                asked++;
                Message m = child.client().udp(Q);
                if (m != null && m.getRcode() == Rcode.NOERROR) {
                    answered++;
                }
                Thread.sleep(100);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpuShare = (cpuTicks(p.pid()) - cpu0) / (double) TICKS_PER_SECOND / seconds;
            System.out.printf("out of descriptors (limit %d, %d connections): child CPU %.1f %% of one core"
                    + " over %.1f s, UDP answered %d/%d%n", limit, CONNECTIONS, cpuShare * 100, seconds,
                    answered, asked);
            assertEquals(asked, answered, "UDP answered while TCP cannot accept");
            assertTrue(cpuShare < 0.20, "the acceptor backs off instead of spinning: CPU " + cpuShare);
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }

    /** The status of {@code get} once it connects, trying for up to 15 s; 0 if it never did. */
    private static int awaitStatus(HttpClient http, HttpRequest get) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                return http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        return 0;
    }

    private static int openFiles(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) fds.count();
        }
    }

    /** utime + stime of the whole process (all threads), in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
    }
}
