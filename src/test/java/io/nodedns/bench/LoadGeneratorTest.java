package io.nodedns.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadGeneratorTest {
    /** Answers every query by echoing it with QR set; remembers the first label of each name. */
    static final class StubServer implements AutoCloseable {
        final DatagramChannel ch;
        final Set<String> firstLabels = ConcurrentHashMap.newKeySet();
        final Thread thread;

        StubServer() throws IOException {
            this(0);
        }

        StubServer(int port) throws IOException {
            ch = DatagramChannel.open();
            ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20); // a cold JVM sends in bursts
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            thread = Thread.ofPlatform().daemon().name("stub-dns").start(this::serve);
        }

        int port() throws IOException {
            return ((InetSocketAddress) ch.getLocalAddress()).getPort();
        }

        private void serve() {
            ByteBuffer b = ByteBuffer.allocate(1500);
            try {
                while (true) {
                    b.clear();
                    SocketAddress from = ch.receive(b);
                    b.flip();
                    int len = b.get(12);
                    firstLabels.add(new String(b.array(), 13, len, StandardCharsets.US_ASCII));
                    b.put(2, (byte) (b.get(2) | 0x80));
                    ch.send(b, from);
                }
            } catch (AsynchronousCloseException e) {
                // closed by the test
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void openLoopReportsSaneNumbers(@TempDir Path dir) throws Exception {
        try (StubServer stub = new StubServer()) {
            Path hlog = dir.resolve("run.hlog");
            Path pct = dir.resolve("run.pct");
            Report r = LoadGenerator.run(new String[]{"--server", "127.0.0.1:" + stub.port(), "--rate", "2000",
                    "--duration", "1s", "--warmup", "300ms", "--sockets", "20", "--names", "50", "--workload", "mix",
                    "--hlog", hlog.toString(), "--percentiles", pct.toString(), "--cpu"}, quiet());
            assertTrue(r.answered() > 1000, "answered " + r.answered());
            assertEquals(0, r.timeouts(), r.format());
            assertEquals(0, r.ioErrors(), r.format());
            assertEquals(0, r.rcodeErrors());
            assertTrue(r.qps() > 1500 && r.qps() < 2500, "qps " + r.qps());
            double p50 = r.percentileMicros(50);
            double p90 = r.percentileMicros(90);
            double p99 = r.percentileMicros(99);
            double p999 = r.percentileMicros(99.9);
            double max = r.percentileMicros(100);
            assertTrue(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max,
                    p50 + " " + p90 + " " + p99 + " " + p999 + " " + max);
            assertTrue(Files.readString(hlog).contains("HIST"), "hlog has interval histograms");
            assertTrue(Files.size(pct) > 0);
            assertTrue(r.format().contains("RESULT "), r.format());
            // the share slower than a bound agrees with the percentiles on either side of it
            double over = r.percentSlowerThan((long) Math.ceil(p90));
            assertTrue(over <= 10.0 + 0.5, "at most ~10 % slower than p90: " + over);
            assertTrue(r.percentSlowerThan(Math.max(0, (long) Math.floor(p50) - 1)) >= 49.5,
                    "at least half slower than below p50");
            assertTrue(r.percentSlowerThan((long) Math.ceil(max) + 1) == 0.0, "none slower than the max");
            assertTrue(r.format().contains(" over_100us_pct=") && r.format().contains(" over_1ms_pct="), r.format());
            assertTrue(stub.firstLabels.contains("h0") && stub.firstLabels.contains("h49"));
        }
    }

    @Test
    void closedLoopMissesAreUnique() throws Exception {
        try (StubServer stub = new StubServer()) {
            Report r = LoadGenerator.run(new String[]{"--server", "127.0.0.1:" + stub.port(), "--outstanding", "8",
                    "--duration", "300ms", "--warmup", "0", "--sockets", "4", "--workload", "miss"}, quiet());
            assertTrue(r.answered() > 100, "answered " + r.answered());
            assertEquals(0, r.timeouts());
            assertEquals(r.answered(), stub.firstLabels.size(), "every miss name is new");
        }
    }

    @Test
    void warmupServerTakesTheWarmupAndAwaitStartsTheRun() throws Exception {
        try (StubServer warm = new StubServer(); StubServer measured = new StubServer()) {
            Report r = LoadGenerator.run(new String[]{"--server", "127.0.0.1:" + measured.port(), "--outstanding", "4",
                    "--duration", "200ms", "--warmup", "200ms", "--warmup-server", "127.0.0.1:" + warm.port(),
                    "--await", "2s", "--sockets", "4", "--workload", "miss"}, quiet());
            assertTrue(r.answered() > 50, "answered " + r.answered());
            assertTrue(r.awaitNanos >= 0, "await measured");
            assertTrue(r.format().contains(" await_ms="), r.format());
            assertTrue(warm.firstLabels.size() > 50, "the warm-up went to the warm-up server");
            assertTrue(measured.firstLabels.contains("await"), "polled before the run");
            assertTrue(java.util.Collections.disjoint(warm.firstLabels, measured.firstLabels),
                    "the measured server saw none of the warm-up's names");
        }
    }

    @Test
    void awaitWaitsForAServerThatStartsLate() throws Exception {
        int port;
        try (DatagramChannel probe = DatagramChannel.open()) { // a free port, nothing bound to it afterwards
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        assertThrows(IOException.class, () -> FirstAnswer.await(target, "bench.test", 50_000_000L),
                "nothing listens: no answer");
        StubServer[] late = new StubServer[1];
        Thread starter = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(150);
                late[0] = new StubServer(port);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            long ns = FirstAnswer.await(target, "bench.test.", 5_000_000_000L);
            assertTrue(ns >= 150_000_000L && ns < 5_000_000_000L, "waited " + ns + " ns");
        } finally {
            starter.join();
            late[0].close();
        }
    }

    @Test
    void refusesNonLoopbackAndNames() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--server", "10.0.0.1:53"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--server", "localhost:53"));
        assertTrue(LoadOptions.parse("--server", "[::1]:53").server().getAddress().isLoopbackAddress());
        assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse("--server", "127.0.0.1:53", "--rate", "10", "--outstanding", "2"));
        assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse("--server", "127.0.0.1:53", "--warmup-server", "10.0.0.1:53"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--server", "127.0.0.1:53",
                "--warmup-server", "127.0.0.1:54", "--warmup", "0"), "a warm-up server without a warm-up");
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }
}
