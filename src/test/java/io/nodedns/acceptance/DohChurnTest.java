package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.TestCa;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * DNS over HTTPS under connection churn, in a child JVM with the image's flags: four client threads
 * opening connections as fast as they can for 10 s, each sending the first bytes of a ClientHello
 * and closing (the cheapest churn for a client, the dearest for a TLS server). The server's
 * handshakes kept its selector thread behind the acceptor: before, it had accepted and still held
 * 13,706 sockets (file descriptors in CLOSE-WAIT) and 7,488 endpoints, 75 MiB live, 12 s into the
 * churn; now the acceptor waits at {@code DohServer.MAX_ACCEPTED} (400) open sockets and the rest
 * wait in the kernel's accept queue. Then, at once, a DoH query on a new connection is answered,
 * and the committed heap returns to near its level before the churn (HeapRelease; before,
 * SerialGC kept the old generation the churn had grown, and RSS at its peak, for as long as the
 * process stayed idle). Prints VmRSS and the heap before, during and after it, for
 * docs/operations.md.
 */
class DohChurnTest {
    private static final int CLIENTS = 4;
    private static final Duration CHURN = Duration.ofSeconds(10);
    /**
     * Descriptors past those open before the churn: DohServer.MAX_ACCEPTED (400) endpoints, and as
     * many again for sockets Jetty is closing (588 in all were seen, with 80 before).
     */
    private static final int MAX_MORE_DESCRIPTORS = 2 * 400;
    /**
     * The committed heap returns to within this of its level before the churn (after a full GC)
     * once the churn is over: twice HeapRelease's growth threshold of 8 MiB (a release leaves a
     * quarter above the live heap, which the churn's survivors add to). Before it the old generation
     * stayed at what the churn had grown it to, 61 to 124 MiB committed against about 15 before.
     */
    private static final long MAX_MORE_COMMITTED_KIB = 16 << 10;
    /**
     * HeapRelease checks every 5 s and acts at the first check after one with no GC in between
     * (10 s at most once quiet; 5.5-9.9 s were seen), but not within 60 s of a release it made
     * during start-up (its MIN_SPACING), which a slow machine may see: that bounds the wait.
     */
    private static final Duration HEAP_RELEASED_WITHIN = Duration.ofSeconds(75);
    private static final Pattern GENERATION = Pattern.compile("(?:DefNew|Tenured)\\s+total (\\d+)K, used (\\d+)K");

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void churnKeepsAcceptedSocketsBoundedAndGivesTheHeapBack() throws Exception {
        TestCa ca = new TestCa("doh churn CA");
        int udp = FreePorts.udpAndTcp();
        int doh = FreePorts.udpAndTcp();
        Path corefile = DohSlowClientsTest.corefile(ca, dir, udp, doh);
        SSLContext trusting = ca.trusting();
        Message q = DnsClient.query("a.example.org", Type.A);
        q.getHeader().setID(0);
        byte[] request = ("GET /dns-query?dns=" + Base64.getUrlEncoder().withoutPadding().encodeToString(q.toWire())
                + " HTTP/1.1\r\nHost: dns.test\r\nAccept: application/dns-message\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (ImageJvm p = ImageJvm.start(corefile, dir.resolve("out.log")); DnsClient client = new DnsClient(udp)) {
            p.awaitReply(client, q, Duration.ofSeconds(60));
            DohSlowClientsTest.awaitDoh(trusting, doh, p);
            for (int i = 0; i < 20; i++) {
                assertEquals("200", ask(trusting, doh, request), "a DoH query before the churn");
            }
            String before = figures(p);
            long baseCommitted = heapKiB(p)[1];
            long baseDescriptors = descriptors(p);

            AtomicLong opened = new AtomicLong();
            long end = System.nanoTime() + CHURN.toNanos();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(Thread.ofPlatform().daemon().start(() -> {
                    byte[] helloStart = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
                    while (System.nanoTime() < end) {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress("127.0.0.1", doh), 2000);
                            s.getOutputStream().write(helloStart);
                            opened.incrementAndGet();
                        } catch (IOException e) {
                            // the accept queue is full: the kernel refuses, as it should
                        }
                    }
                }));
            }
            long peakRss = 0;
            long peakDescriptors = 0;
            while (System.nanoTime() < end) {
                peakRss = Math.max(peakRss, p.rssKiB());
                peakDescriptors = Math.max(peakDescriptors, descriptors(p));
                Thread.sleep(200);
            }
            for (Thread t : clients) {
                t.join();
            }
            peakRss = Math.max(peakRss, p.rssKiB());
            String atEnd = heap(p);
            // at once: the query waits behind whatever the churn left in the accept queue, as a client's would
            long asked = System.nanoTime();
            String status = ask(trusting, doh, request);
            long askMillis = (System.nanoTime() - asked) / 1_000_000;
            long idleSince = System.nanoTime();
            long[] heap = heapKiB(p);
            while (heap[1] > baseCommitted + MAX_MORE_COMMITTED_KIB
                    && System.nanoTime() - idleSince < HEAP_RELEASED_WITHIN.toNanos()) {
                Thread.sleep(500);
                heap = heapKiB(p);
            }
            long releasedMillis = (System.nanoTime() - idleSince) / 1_000_000;
            String released = "heap " + heap[0] + "/" + heap[1] + " KiB, VmRSS " + p.rssKiB() + " KiB";
            String after = figures(p);
            System.out.printf("DoH churn: %d connections in %d s; open descriptors %d before, at most %d during%n"
                    + "  before: %s%n  end of churn: VmRSS peak %d KiB, heap %s%n"
                    + "  a query at the end of the churn answered in %d ms%n  %d ms after it: %s%n  then: %s%n",
                    opened.get(), CHURN.toSeconds(), baseDescriptors, peakDescriptors, before, peakRss, atEnd,
                    askMillis, releasedMillis, released, after);
            assertTrue(heap[1] <= baseCommitted + MAX_MORE_COMMITTED_KIB, "heap committed " + heap[1] + " KiB "
                    + HEAP_RELEASED_WITHIN.toSeconds() + " s after the churn, " + baseCommitted + " KiB before");
            assertEquals("200", status, "a DoH query on a new connection after the churn");
            assertTrue(peakDescriptors - baseDescriptors <= MAX_MORE_DESCRIPTORS,
                    "descriptors the server held: " + peakDescriptors + ", " + baseDescriptors + " before");
            assertTrue(p.isAlive(), "process alive");
        }
    }

    /** The child's open file descriptors (sockets among them), from /proc. */
    private static long descriptors(ImageJvm p) throws IOException {
        try (var fds = Files.list(Path.of("/proc/" + p.pid() + "/fd"))) {
            return fds.count();
        }
    }

    /** One query on a new TLS connection, HTTP/1.1 then closed: the reply's status, or why not. */
    private static String ask(SSLContext trusting, int port, byte[] request) throws IOException {
        try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            in.readAllBytes();
            s.getSession().invalidate(); // the next connection handshakes in full, as a new client's
            return status.length() == 12 ? status.substring(9) : status;
        }
    }

    /** VmRSS, the heap committed, then used after a full collection, and VmRSS after it. */
    private static String figures(ImageJvm p) throws Exception {
        long rss = p.rssKiB();
        String committed = heap(p);
        p.jcmd("GC.run");
        return "VmRSS " + rss + " KiB, heap " + committed + "; after GC.run heap " + heap(p) + ", VmRSS " + p.rssKiB()
                + " KiB";
    }

    /** The heap's generations from {@code jcmd GC.heap_info}: "used/committed KiB". */
    private static String heap(ImageJvm p) throws Exception {
        long[] heap = heapKiB(p);
        return heap[0] + "/" + heap[1] + " KiB";
    }

    /** The heap's generations from {@code jcmd GC.heap_info}: used and committed KiB. */
    private static long[] heapKiB(ImageJvm p) throws Exception {
        Matcher m = GENERATION.matcher(p.jcmd("GC.heap_info"));
        long[] heap = new long[2];
        while (m.find()) {
            heap[0] += Long.parseLong(m.group(2));
            heap[1] += Long.parseLong(m.group(1));
        }
        return heap;
    }
}
