package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.OpenLoopLoad;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Issue 23, item 1, as filed: random names at 6k qps for 60 s to a zone whose upstream reads and
 * never answers, against a child JVM with the image's flags (-Xmx128m, so 128 MiB of direct
 * memory). Before the memory budget both UDP loops and the TCP acceptor died within ~12 s with
 * "Cannot reserve 4096 bytes of direct buffer memory" while /health said OK. Now: the exchanges
 * stay within the budget, the excess is shed and counted, names cached before the flood are
 * answered from cache after it (their upstream has gone silent), every loop is alive and /health is OK.
 */
class BlackHoleFloodTest {
    private static final int RATE = 6000;
    private static final int SECONDS = 60;
    private static final int HOT = 100;

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void randomNamesToABlackHoleUpstreamLeaveLoopsAliveAndCacheServing() throws Exception {
        int port = FreePorts.udpAndTcp();
        int health = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (LoopbackUpstream good = LoopbackUpstream.start(); DatagramChannel hole = DatagramChannel.open()) {
            hole.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread reader = Thread.ofPlatform().daemon().name("black-hole").start(() -> swallow(hole));
            int holePort = ((InetSocketAddress) hole.getLocalAddress()).getPort();
            Path corefile = dir.resolve("Corefile");
            Files.writeString(corefile, """
                    example.org:%1$d {
                        health 127.0.0.1:%2$d
                        prometheus 127.0.0.1:%3$d
                        cache 3600 {
                            success 9984 3600 3600
                        }
                        forward . 127.0.0.1:%4$d
                    }
                    flood.test:%1$d {
                        cache
                        forward . 127.0.0.1:%5$d
                    }
                    """.formatted(port, health, metrics, good.port(), holePort));
            try (ImageJvm p = ImageJvm.start(corefile, dir.resolve("out.log"));
                    DnsClient client = new DnsClient(port)) {
                Message first = p.awaitReply(client, DnsClient.query("hot0.example.org", Type.A),
                        Duration.ofSeconds(60));
                assertTrue(first.getRcode() == Rcode.NOERROR, "served after start");
                for (int i = 0; i < HOT; i++) {
                    assertTrue(answered(client.udp(DnsClient.query("hot" + i + ".example.org", Type.A))),
                            "primed hot" + i);
                }
                good.fail(LoopbackUpstream.Fault.SILENT); // from now on only the cache can answer them

                OpenLoopLoad flood = new OpenLoopLoad(port, RATE, RATE * SECONDS, 8, 2_000_000_000L, "flood.test");
                long t0 = System.nanoTime() + 50_000_000L;
                flood.start(t0);
                int probes = 0;
                int probeAnswers = 0;
                while (System.nanoTime() - t0 < SECONDS * 1_000_000_000L) {
                    Thread.sleep(500);
                    probes++;
                    if (answered(client.udp(DnsClient.query("hot" + (probes % HOT) + ".example.org", Type.A)))) {
                        probeAnswers++;
                    }
                }
                flood.finish();
                int replies = 0;
                for (int i = 0; i < flood.sent; i++) {
                    if (flood.repliedAt[i] != 0) {
                        replies++;
                    }
                }
                assertTrue(p.isAlive(), "process alive");
                int hot = 0;
                for (int i = 0; i < HOT; i++) {
                    if (answered(client.udp(DnsClient.query("hot" + i + ".example.org", Type.A)))) {
                        hot++;
                    }
                }
                String healthBody = get(health, "/health");
                String scrape = get(metrics, "/metrics");
                String server = "server=\"dns://:" + port + "\"";
                long shedServfail = counter(scrape, "nodedns_udp_shed_total{", server, "action=\"servfail\"");
                long shedDrop = counter(scrape, "nodedns_udp_shed_total{", server, "action=\"drop\"");
                long loopErrors = counter(scrape, "nodedns_loop_errors_total{", server);
                String log = p.log();
                System.out.printf(
                        "black-hole flood: sent %d at %d qps for %d s, replies %d (SERVFAIL), shed servfail %d drop %d,"
                                + " loop errors %d, hot names during flood %d/%d, after %d/%d, child VmHWM %s%n",
                        flood.sent, RATE, SECONDS, replies, shedServfail, shedDrop, loopErrors, probeAnswers, probes,
                        hot, HOT,
                        p.status("VmHWM"));
                assertEquals(HOT, hot, "every cached name answered after the flood");
                assertEquals("OK", healthBody, "health OK: every loop and the acceptor run");
                assertTrue(shedServfail + shedDrop > 0, "the budget was reached and the excess shed (counted)");
                assertFalse(log.contains("Cannot reserve"), log);
                assertFalse(log.contains("stopped; /health fails"), log);
                Message tcp = client.tcp(DnsClient.query("hot1.example.org", Type.A));
                assertTrue(answered(tcp), "TCP acceptor serves");
            } finally {
                hole.close();
                reader.join(2000);
            }
        }
    }

    private static void swallow(DatagramChannel hole) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        try {
            while (true) {
                b.clear();
                hole.receive(b);
            }
        } catch (java.io.IOException closed) {
            // test over
        }
    }

    private static boolean answered(Message m) {
        return m != null && m.getRcode() == Rcode.NOERROR
                && m.getSection(Section.ANSWER).stream().anyMatch(r -> r instanceof ARecord);
    }

    static String get(int port, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** The value of the first series line that starts with {@code name} and contains every label; -1 if none. */
    static long counter(String scrape, String name, String... labels) {
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name)) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }
}
