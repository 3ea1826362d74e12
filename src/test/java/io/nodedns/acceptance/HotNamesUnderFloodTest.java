package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.OpenLoopLoad;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Issue 23, item 8, as filed: a 60 s flood of unique names at saturation while clients keep asking
 * 100 hot names, against a child JVM with the image's flags and a default {@code cache}. With
 * random eviction (as CoreDNS) the hot names fell to a 45 % then 15 % hit ratio; with CLOCK a hot
 * name is asked again long before the hand comes round (each every 100 * {@link #EVERY} flood
 * names, a seventh of the 9,984 entries), so it keeps its entry. Hits are counted where they
 * cannot be faked: every hot query that reaches the upstream after the warm-up is a miss.
 */
class HotNamesUnderFloodTest {
    private static final int HOT = 100;
    private static final int EVERY = 15; // one hot query per this many flood queries
    private static final int SECONDS = 60;
    private static final int FLOODERS = 2; // sockets, each with a sender and a receiver thread
    private static final int WINDOW = 128; // flood queries in flight per socket
    private static final int CAPACITY = 9984; // the default cache's success capacity

    @TempDir
    Path dir;

    @Test
    @Timeout(150)
    void hotNamesKeepTheirEntriesUnderAUniqueNameFlood() throws Exception {
        int port = FreePorts.udpAndTcp();
        int metrics = FreePorts.udpAndTcp();
        try (LoopbackUpstream up = LoopbackUpstream.start()) {
            // Longer than the test, so a hot name's only way out of the cache is eviction.
            up.ttl(3600);
            List<String> hot = new ArrayList<>();
            for (int i = 0; i < HOT; i++) {
                hot.add("hot" + i + ".example.org");
            }
            up.track(hot);
            Path corefile = dir.resolve("Corefile");
            Files.writeString(corefile, """
                    .:%1$d {
                        bind 127.0.0.1
                        prometheus 127.0.0.1:%2$d
                        cache
                        forward . %3$s
                    }
                    """.formatted(port, metrics, up.hostPort()));
            try (ImageJvm p = ImageJvm.start(corefile, dir.resolve("out.log"));
                    DnsClient client = new DnsClient(port)) {
                p.awaitReply(client, DnsClient.query("start.example.org", Type.A), Duration.ofSeconds(60));
                for (String name : hot) {
                    assertTrue(answered(client.udp(DnsClient.query(name, Type.A))), "warmed " + name);
                }
                long warmUpstream = upstreamFor(up, hot);
                assertEquals(HOT, warmUpstream, "each hot name went upstream once to warm it");

                Flood flood = new Flood(port, hot);
                long t0 = System.nanoTime();
                flood.start();
                try {
                    Thread.sleep(SECONDS * 1000L);
                } finally {
                    flood.stop();
                }
                long hotSent = flood.hotSent();
                long asked = flood.hotAnswered();
                long unanswered = hotSent - asked;
                double seconds = (System.nanoTime() - t0) / 1e9;
                long misses = upstreamFor(up, hot) - warmUpstream;
                long hits = asked - misses;
                double ratio = (double) hits / asked;
                String scrape = get(metrics);
                long evictions = BlackHoleFloodTest.counter(scrape, "coredns_cache_evictions_total{",
                        "type=\"success\"");
                long cacheHits = BlackHoleFloodTest.counter(scrape, "coredns_cache_hits_total{", "type=\"success\"");
                System.out.printf(
                        "[TEST] hot names under flood: flood queries %d in %.1f s (replies to all %d), %.0f qps,"
                                + " upstream queries %d, evictions %d, hot asked %d (answered NOERROR; %d more sent), hot hits %d"
                                + " (cache hit metric %d), hot-name hit ratio %.4f, child VmHWM %s%n",
                        flood.sent() - hotSent, seconds, flood.received(), (flood.sent() - hotSent) / seconds,
                        up.realQueries(), evictions,
                        asked, unanswered, hits, cacheHits, ratio, p.status("VmHWM"));
                assertTrue(p.isAlive(), "process alive: " + p.log());
                assertTrue(asked >= 10_000, "enough hot queries to measure: " + asked);
                assertTrue(unanswered <= asked / 100, "hot queries answered: " + unanswered + " of " + asked);
                assertTrue(evictions >= 3L * CAPACITY, "the flood went through the cache several times: " + evictions);
                assertTrue(ratio >= 0.95, "hot-name hit ratio " + ratio);
            }
        }
    }

    private static long upstreamFor(LoopbackUpstream up, List<String> names) {
        long n = 0;
        for (String name : names) {
            n += up.queriesFor(name);
        }
        return n;
    }

    /**
     * Unique names as fast as the client side can, with one hot name (in turn) in place of every
     * {@link #EVERY}th, so the hot share stays steady whatever the rate: per socket, a sender keeps
     * {@link #WINDOW} queries in flight and a receiver counts replies, hot ones (ID bit 15 set)
     * apart, and only NOERROR ones: a hot query shed by the server is neither a hit nor a miss. A query lost under load (shed, or a full
     * receive buffer) would hold its slot for ever, so when no reply comes for 50 ms the sender
     * writes the outstanding ones off.
     */
    private static final class Flood {
        private final DatagramChannel[] channels = new DatagramChannel[FLOODERS];
        private final AtomicLong[] sentOn = new AtomicLong[FLOODERS];
        private final AtomicLong[] receivedOn = new AtomicLong[FLOODERS];
        private final AtomicLong[] hotSentOn = new AtomicLong[FLOODERS];
        private final AtomicLong[] hotAnsweredOn = new AtomicLong[FLOODERS];
        private final List<String> hot;
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final String run = Long.toString(System.nanoTime() % 100000);

        Flood(int port, List<String> hot) throws Exception {
            this.hot = hot;
            for (int s = 0; s < FLOODERS; s++) {
                channels[s] = DatagramChannel.open();
                channels[s].setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
                channels[s].connect(new InetSocketAddress("127.0.0.1", port));
                sentOn[s] = new AtomicLong();
                receivedOn[s] = new AtomicLong();
                hotSentOn[s] = new AtomicLong();
                hotAnsweredOn[s] = new AtomicLong();
            }
        }

        void start() {
            for (int s = 0; s < FLOODERS; s++) {
                int sock = s;
                threads.add(Thread.ofPlatform().daemon().name("flood-rx-" + s).start(() -> receive(sock)));
                threads.add(Thread.ofPlatform().daemon().name("flood-tx-" + s).start(() -> send(sock)));
            }
        }

        private void send(int sock) {
            ByteBuffer out = ByteBuffer.allocate(512);
            long writtenOff = 0;
            long lastReceived = 0;
            long lastProgress = System.nanoTime();
            try {
                for (long i = 0; !stop.get(); i++) {
                    while (i - receivedOn[sock].get() - writtenOff >= WINDOW && !stop.get()) {
                        long r = receivedOn[sock].get();
                        long now = System.nanoTime();
                        if (r != lastReceived) {
                            lastReceived = r;
                            lastProgress = now;
                        } else if (now - lastProgress > 50_000_000L) {
                            writtenOff = i - r;
                            lastProgress = now;
                        }
                        LockSupport.parkNanos(10_000);
                    }
                    out.clear();
                    if (i % EVERY == EVERY - 1) {
                        long k = hotSentOn[sock].getAndIncrement();
                        OpenLoopLoad.writeQuery(out, 0x8000 | (int) (k & 0x7FFF), hot.get((int) (k % hot.size())));
                    } else {
                        OpenLoopLoad.writeQuery(out, (int) (i & 0x7FFF),
                                "f" + sock + "-" + i + ".r" + run + ".flood.test");
                    }
                    channels[sock].write(out.flip());
                    sentOn[sock].incrementAndGet();
                }
            } catch (Exception e) {
                if (!stop.get()) {
                    throw new IllegalStateException(e);
                }
            }
        }

        private void receive(int sock) {
            ByteBuffer in = ByteBuffer.allocate(4096);
            try {
                while (true) {
                    in.clear();
                    if (channels[sock].read(in) >= 12) {
                        receivedOn[sock].incrementAndGet();
                        if ((in.get(0) & 0x80) != 0 && (in.get(3) & 0x0F) == Rcode.NOERROR) {
                            hotAnsweredOn[sock].incrementAndGet();
                        }
                    }
                }
            } catch (Exception closed) {
                // the run is over
            }
        }

        long sent() {
            long n = 0;
            for (AtomicLong a : sentOn) {
                n += a.get();
            }
            return n;
        }

        long hotSent() {
            long n = 0;
            for (AtomicLong a : hotSentOn) {
                n += a.get();
            }
            return n;
        }

        long hotAnswered() {
            long n = 0;
            for (AtomicLong a : hotAnsweredOn) {
                n += a.get();
            }
            return n;
        }

        long received() {
            long n = 0;
            for (AtomicLong a : receivedOn) {
                n += a.get();
            }
            return n;
        }

        void stop() throws Exception {
            stop.set(true);
            Thread.sleep(200); // the last replies
            for (DatagramChannel ch : channels) {
                ch.close();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }

    private static boolean answered(Message m) {
        return m != null && m.getRcode() == Rcode.NOERROR
                && m.getSection(Section.ANSWER).stream().anyMatch(r -> r instanceof ARecord);
    }

    private static String get(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }
}
