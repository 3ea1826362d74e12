package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.TestCa;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * DNS over HTTPS against clients that hold connections without ever sending a request, in a
 * child JVM with the image's flags: 250 connections trickling a TLS ClientHello a byte every
 * 500 ms (under the 3 s {@code read} timeout, which every byte restarts). A listener holds at most
 * 200 connections (CoreDNS's DefaultHTTPSMaxConnections); before, those 200 held it for as long
 * as the trickle went on, and no other client's handshake was ever served (0 of 6 DoH queries
 * answered). Now a connection accepted at the limit takes the place of the one that has waited
 * longest for a request, as DNS over TCP does. A reload in the middle of it changes nothing.
 */
class DohSlowClientsTest {
    private static final int TRICKLING = 250;
    private static final int PROBES = 6;
    /** Connections that send nothing: past the 200 a listener holds. */
    private static final int IDLE = 220;

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void tricklingHandshakesDoNotLockOutOtherClients() throws Exception {
        TestCa ca = new TestCa("doh slow clients CA");
        int udp = FreePorts.udpAndTcp();
        int doh = FreePorts.udpAndTcp();
        Path corefile = corefile(ca, dir, udp, doh);
        String text = Files.readString(corefile);
        SSLContext trusting = ca.trusting();
        Message q = DnsClient.query("a.example.org", Type.A);
        List<Socket> trickling = new ArrayList<>();
        try (ImageJvm p = ImageJvm.start(corefile, dir.resolve("out.log"));
                DnsClient client = new DnsClient(udp)) {
            p.awaitReply(client, q, Duration.ofSeconds(60));
            awaitDoh(trusting, doh, p);

            for (int i = 0; i < TRICKLING; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", doh), 2000);
                // a TLS record header announcing a 512-byte ClientHello, and its type
                s.getOutputStream().write(new byte[]{0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
                trickling.add(s);
            }
            Thread trickle = Thread.ofPlatform().daemon().start(() -> trickle(trickling));
            int answered = 0;
            for (int i = 0; i < PROBES; i++) {
                Thread.sleep(500);
                if (i == PROBES / 2) { // a reload meanwhile keeps the listener (same address and TLS) serving
                    Files.writeString(corefile, text.replace("    whoami\n}\n", "    errors\n    whoami\n}\n"));
                    p.signal("USR1");
                    p.awaitLines("Running configuration", 1, Duration.ofSeconds(30));
                }
                String result = dohQuery(trusting, doh);
                System.out.println("DoH query " + i + " during the trickle: " + result);
                answered += result.startsWith("ok") ? 1 : 0;
                assertEquals(Rcode.NOERROR, client.udp(q).getRcode(), "UDP during the trickle");
            }
            trickle.interrupt();
            System.out.printf("%d connections trickling a ClientHello: %d of %d DoH queries answered, RSS %d KiB%n",
                    TRICKLING, answered, PROBES, p.rssKiB());
            assertEquals(PROBES, answered, "DoH queries answered while " + TRICKLING + " connections trickle");
            assertTrue(p.isAlive(), "process alive");
        } finally {
            for (Socket s : trickling) {
                s.close();
            }
        }
    }

    /**
     * A connection with a request in flight is never the one closed to make room: one DoH POST
     * (HTTP/1.1 over TLS) whose body is still to come, then 220 connections that send nothing,
     * then the body. Before, the connection whose request began first had "waited longest" and
     * was closed at the 201st: the client got the connection's end, not its answer.
     */
    @Test
    @Timeout(180)
    void connectionServingARequestIsNotEvicted() throws Exception {
        TestCa ca = new TestCa("doh busy connection CA");
        int udp = FreePorts.udpAndTcp();
        int doh = FreePorts.udpAndTcp();
        Path corefile = corefile(ca, dir, udp, doh);
        SSLContext trusting = ca.trusting();
        List<Socket> idle = new ArrayList<>();
        try (ImageJvm p = ImageJvm.start(corefile, dir.resolve("out.log")); DnsClient client = new DnsClient(udp)) {
            p.awaitReply(client, DnsClient.query("a.example.org", Type.A), Duration.ofSeconds(60));
            awaitDoh(trusting, doh, p);
            try (SSLSocket tls = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", doh)) {
                tls.setSoTimeout(10_000);
                byte[] query = DnsClient.query("a.example.org", Type.A).toWire();
                OutputStream out = tls.getOutputStream();
                out.write(("POST /dns-query HTTP/1.1\r\nHost: dns.test\r\nContent-Type: application/dns-message\r\n"
                        + "Content-Length: " + query.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(300); // its request is being handled, waiting for the body
                long t0 = System.nanoTime();
                for (int i = 0; i < IDLE; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", doh), 2000);
                    idle.add(s);
                }
                Thread.sleep(200); // the server has accepted them
                String status;
                try {
                    out.write(query);
                    out.flush();
                    status = new String(tls.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    status = e.toString();
                }
                System.out.printf("request in flight while %d connections opened (%d ms): %s%n", IDLE,
                        (System.nanoTime() - t0) / 1_000_000, status);
                assertEquals("HTTP/1.1 200", status, "the reply on the connection serving a request");
            }
            assertTrue(p.isAlive(), "process alive");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    /** A byte to each connection every 500 ms, until interrupted; connections the server closed are left. */
    private static void trickle(List<Socket> sockets) {
        while (!Thread.currentThread().isInterrupted()) {
            for (Socket s : sockets) {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(0);
                    out.flush();
                } catch (IOException closed) {
                    // evicted: what the limit does now
                }
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One DoH GET over a new HTTP/2 connection within 3 s: "ok N ms", or what failed. */
    static String dohQuery(SSLContext trusting, int port) {
        long t0 = System.nanoTime();
        try (H2Frames h = new H2Frames(trusting, port, Duration.ofSeconds(3))) {
            Message q = DnsClient.query("a.example.org", Type.A);
            q.getHeader().setID(0);
            h.frame(H2Frames.HEADERS, H2Frames.END_STREAM | H2Frames.END_HEADERS, 1, H2Frames.get(q.toWire()));
            h.flush();
            int stream = h.awaitFrame(H2Frames.HEADERS);
            return stream == 1 ? "ok " + (System.nanoTime() - t0) / 1_000_000 + " ms" : "no reply";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Waits until the DoH listener answers (it may start after the UDP one). */
    static void awaitDoh(SSLContext trusting, int port, ImageJvm p) throws InterruptedException {
        String last = "";
        for (int i = 0; i < 100; i++) {
            last = dohQuery(trusting, port);
            if (last.startsWith("ok")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("DoH not answering: " + last + "\n" + p.log());
    }

    /** whoami on UDP port {@code udp} and over DoH on {@code doh}, with a certificate of {@code ca}. */
    /** whoami on UDP/TCP {@code udp} and on DoH {@code doh}, both on 127.0.0.1, with a certificate from {@code ca} written to {@code dir}. */
    static Path corefile(TestCa ca, Path dir, int udp, int doh) throws Exception {
        Path[] cert = ca.issue("dns.test", List.of("dns.test"), List.of(InetAddress.getByName("127.0.0.1"))).write(dir,
                "server");
        return Files.writeString(dir.resolve("Corefile"), """
                .:%1$d {
                    bind 127.0.0.1
                    whoami
                }
                https://.:%2$d {
                    bind 127.0.0.1
                    tls %3$s %4$s
                    whoami
                }
                """.formatted(udp, doh, cert[0], cert[1]));
    }

}
