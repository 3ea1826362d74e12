package io.nodedns.plugin.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Issue 17 build 2: 100 reloads in a row (SIGUSR1) that alternate the options of all four caches
 * of the node-local-dns Corefile, in a child JVM with the image's flags, while clients keep
 * asking hit and miss names in every block: no error, no lost query, RSS bounded against its
 * warm level before the reloads: at most 10 % above it, as issue 17 asks.
 */
class CacheReloadStormTest {
    private static final int RELOADS = 100;
    /**
     * Reloads before the "before" figure: the first reloads load and compile the reload path once
     * (classes, JIT code, heap grown to its working size); what must not grow is what follows.
     */
    private static final int WARM_RELOADS = 10;
    private static final int CLIENTS = 2;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aHundredReloadsAlternatingCacheOptionsUnderTrafficLoseNothingAndGiveMemoryBack() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            int metrics = FreePorts.udpAndTcp();
            Path corefile = dir.resolve("Corefile");
            Path log = dir.resolve("nodedns.log");
            Files.writeString(corefile, corefile(port, upstream, metrics, 0));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong sent = new AtomicLong();
            AtomicLong answered = new AtomicLong();
            AtomicReference<String> failure = new AtomicReference<>();
            List<Thread> clients = new ArrayList<>();
            try (ImageJvm p = ImageJvm.start(corefile, log); DnsClient client = new DnsClient("127.0.0.1", port)) {
                Message first = p.awaitReply(client, DnsClient.query("first.example.com", Type.A),
                        Duration.ofSeconds(60));
                assertTrue(first.getRcode() == Rcode.NOERROR, "started: " + p.log());
                for (int c = 0; c < CLIENTS; c++) {
                    int seed = c;
                    clients.add(Thread.ofPlatform().name("storm-client-" + c).start(
                            () -> ask(port, seed, stop, sent, answered, failure)));
                }
                Thread.sleep(5_000); // warm: caches fill with the hot names, the JIT compiles the query path
                long rssStart = p.rssKiB();
                long sentBefore = sent.get();
                long start = System.nanoTime();
                StringBuilder trend = new StringBuilder();
                long rssBefore = 0;
                long rssHalf = 0;
                String heapBefore = "";
                String heapHalf = "";
                for (int r = 1; r <= WARM_RELOADS + RELOADS && failure.get() == null; r++) {
                    Files.writeString(corefile, corefile(port, upstream, metrics, r));
                    p.signal("USR1");
                    p.awaitLines("Running configuration", r, Duration.ofSeconds(10)); // reload r done
                    if (r == WARM_RELOADS) {
                        Thread.sleep(1_000);
                        rssBefore = p.rssKiB();
                        heapBefore = heapLine(p);
                    }
                    if (r % 20 == 0) {
                        trend.append(' ').append(p.rssKiB());
                    }
                    if (r == WARM_RELOADS + RELOADS / 2) {
                        rssHalf = p.rssKiB();
                        heapHalf = heapLine(p);
                    }
                }
                double reloadSecs = (System.nanoTime() - start) / 1e9;
                long rssAfter = p.rssKiB();
                stop.set(true);
                for (Thread t : clients) {
                    t.join();
                }
                String heapAfter = heapLine(p);
                String trim = p.jcmd("System.trim_native_heap").trim().replaceAll("\\s+", " ");
                long rssTrimmed = p.rssKiB();
                String out = p.log();
                System.out.printf(
                        "reload storm: %d + %d reloads in %.1f s; queries sent %d, answered %d (%d during the reloads);"
                                + " VmRSS KiB: warm, before any reload %d; after %d reloads %d; after %d more %d (%+.1f %%);"
                                + " every 20 reloads:%s; after glibc trim %d (%s)%n",
                        WARM_RELOADS, RELOADS,
                        reloadSecs, sent.get(), answered.get(), sent.get() - sentBefore, rssStart, WARM_RELOADS,
                        rssBefore,
                        RELOADS, rssAfter, 100.0 * (rssAfter - rssBefore) / rssBefore, trend, rssTrimmed,
                        trim);
                double[] pauses = out.lines().filter(l -> l.contains("after reload: full GC "))
                        .mapToDouble(l -> Double.parseDouble(l.replaceAll(".*full GC ([0-9.]+) ms.*", "$1"))).sorted()
                        .toArray();
                System.out.printf("reload storm full GCs: %d, pause median %.1f ms, max %.1f ms%n", pauses.length,
                        pauses.length == 0 ? 0 : pauses[pauses.length / 2],
                        pauses.length == 0 ? 0 : pauses[pauses.length - 1]);
                System.out.printf("reload storm heap: before %s; half-way %s; after %s%n", heapBefore, heapHalf,
                        heapAfter);
                assertEquals(null, failure.get(), out);
                assertTrue(p.isAlive(), out);
                assertEquals(sent.get(), answered.get(), "no lost query");
                assertTrue(
                        !out.contains("OutOfMemoryError") && !out.contains("reload failed") && !out.contains("[ERROR]"),
                        out);
                // Issue 17 asks for RSS back within 10 % of its level before the reloads (warm, after
                // traffic). The full GC after each reload gives the heap back (NMT: committed heap +1.5
                // to +3.6 MiB, was +33 MiB) and malloc_trim the freed compiler arenas: measured -9.9 %
                // (without the trim +0.9 to +12.4 %, without the GC +26-32 %). JIT code compiled for
                // the reload path stays, so the bound leaves room for it on a busy machine.
                assertTrue(rssAfter <= rssStart * 1.10, "RSS warm before any reload " + rssStart + " KiB, after "
                        + (WARM_RELOADS + RELOADS) + " reloads " + rssAfter + " KiB: more than 10 % above");
                // And no steady growth per reload once the reload path is warm (measured +1 to +7 %).
                assertTrue(rssAfter <= rssHalf * 1.10,
                        "RSS after " + RELOADS / 2 + " reloads " + rssHalf + " KiB, at the end "
                                + rssAfter + " KiB: something grows with every reload");
            } finally {
                stop.set(true);
            }
        }
    }

    /** The heap line of {@code jcmd GC.heap_info} (committed and used). */
    private static String heapLine(ImageJvm p) throws Exception {
        return p.jcmd("GC.heap_info").lines().filter(l -> l.contains("total")).findFirst().orElse("").trim();
    }

    /** Reload {@code r}: every cache's max TTL alternates between 30 and 20 s, so every reload replaces all four caches. */
    private static String corefile(int port, FakeUpstream upstream, int metrics, int r) {
        int ttl = r % 2 == 0 ? 30 : 20;
        String cluster = "        success 9984 " + ttl + "\n        denial 9984 5\n";
        return NodeLocalCorefile.nodeLocal(port, upstream.hostPort(), metrics, cluster, 0).replace("cache 30",
                "cache " + ttl);
    }

    /** One client: 90 % of queries for 200 hot names, 10 % unique, spread over the four blocks; a query without an answer fails. */
    private static void ask(int port, int seed, AtomicBoolean stop, AtomicLong sent, AtomicLong answered,
            AtomicReference<String> failure) {
        String[] zones = {"svc.cluster.local", "in-addr.arpa", "ip6.arpa", "example.com"};
        try (DnsClient client = new DnsClient("127.0.0.1", port)) {
            for (long i = 0; !stop.get() && failure.get() == null; i++) {
                String zone = zones[(int) (i % zones.length)];
                String name = i % 10 == 0 ? "u" + seed + "-" + i + "." + zone : "h" + (i * 7 % 200) + "." + zone;
                sent.incrementAndGet();
                Message m = client.udp(DnsClient.query(name, Type.A));
                if (m == null || m.getRcode() != Rcode.NOERROR) {
                    failure.compareAndSet(null, name + ": " + (m == null ? "no answer" : Rcode.string(m.getRcode())));
                    return;
                }
                answered.incrementAndGet();
            }
        } catch (Exception e) {
            failure.compareAndSet(null, e.toString());
        }
    }
}
