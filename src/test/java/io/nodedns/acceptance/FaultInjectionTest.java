package io.nodedns.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Listener;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.OpenLoopLoad;
import io.nodedns.testing.TestServer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Issue 9 fault injection, loopback only and bounded: one of three upstreams misbehaving under a
 * fixed load; a malformed-datagram flood mixed into valid load; a TCP slowloris against the
 * connection cap. A query fails when no NOERROR reply arrives within 5 s (glibc's default
 * resolver timeout, after which a stub would retry).
 */
class FaultInjectionTest {
    private static final long MS = 1_000_000L;
    private static final long CLIENT_TIMEOUT = 5000 * MS;

    enum Fault {
        SLOW, GARBAGE, TRUNCATED, FLAPPING, SILENT
    }

    private static FakeUpstream.Behaviour behaviour(Fault f, FakeUpstream up) {
        return switch (f) {
            case SLOW -> (q, out) -> out.later(1000, up.replyFor(q.message()).toWire()); // every reply 1 s late
            case GARBAGE -> (q, out) -> {
                byte[] junk = new byte[40];
                new SplittableRandom().nextBytes(junk);
                out.send(junk);
            };
            case TRUNCATED -> (q, out) -> { // TC=1 over UDP; TCP answers properly
                if (q.tcp()) {
                    out.answer();
                } else {
                    Message m = FakeUpstream.replyTo(q.message(), Rcode.NOERROR);
                    m.getHeader().setFlag(Flags.TC);
                    out.send(m);
                }
            };
            case FLAPPING -> (q, out) -> { // answers for one second, silent for the next
                if ((System.nanoTime() / 1_000_000_000L) % 2 == 0) {
                    out.answer();
                }
            };
            case SILENT -> (q, out) -> {};
        };
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    @Timeout(60)
    void twoHealthyUpstreamsOfThreeKeepFailuresUnderOneInAThousand(Fault fault) throws Exception {
        int rate = 1000;
        int seconds = 8;
        try (FakeUpstream a = FakeUpstream.start("127.0.0.2");
                FakeUpstream b = FakeUpstream.start("127.0.0.3");
                FakeUpstream bad = FakeUpstream.start("127.0.0.4")) {
            bad.behaviour(behaviour(fault, bad));
            int port = FreePorts.udpAndTcp();
            try (TestServer server = TestServer
                    .fromText(".:" + port + " {\n bind 127.0.0.1\n forward . " + a.hostPort() + " "
                            + b.hostPort() + " " + bad.hostPort() + "\n}\n")) {
                OpenLoopLoad load = new OpenLoopLoad(port, rate, rate * (seconds + 1), 4, CLIENT_TIMEOUT,
                        "fault-" + fault.name().toLowerCase());
                long t0 = System.nanoTime() + 50 * MS;
                load.start(t0);
                Thread.sleep(seconds * 1000L + 50);
                load.endAt = System.nanoTime();
                load.finish();
                int failed = load.failedSentBetween(0, Long.MAX_VALUE);
                long[] lat = load.sortedLatencies();
                double pct = 100.0 * failed / load.sent;
                System.out.printf(
                        "[TEST] fault %s on 1 of 3 upstreams at %d qps: sent %d, failed %d (%.3f %%), latency p50 %.2f ms"
                                + " p99 %.2f ms max %.2f ms; queries at the faulty upstream %d, healthy %d + %d%n",
                        fault, rate,
                        load.sent, failed, pct, pct(lat, 50), pct(lat, 99), lat[lat.length - 1] / 1e6,
                        bad.clientQueries(), a.clientQueries(), b.clientQueries());
                assertTrue(pct < 0.1, fault + ": " + failed + " of " + load.sent + " failed");
            }
        }
    }

    @Test
    @Timeout(60)
    void aMalformedFloodDoesNotFailValidQueries() throws Exception {
        try (FakeUpstream up = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            try (TestServer server = TestServer
                    .fromText(".:" + port + " {\n bind 127.0.0.1\n forward . " + up.hostPort() + "\n}\n")) {
                AtomicBoolean flooding = new AtomicBoolean(true);
                AtomicLong flood = new AtomicLong();
                Thread flooder = Thread.ofPlatform().daemon().start(() -> {
                    SplittableRandom r = new SplittableRandom(42);
                    try (DatagramSocket s = new DatagramSocket()) {
                        InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
                        byte[] buf = new byte[512];
                        while (flooding.get()) {
                            int len = r.nextInt(buf.length);
                            r.nextBytes(buf);
                            if (r.nextInt(3) == 0 && len > 12) { // a plausible header with nonsense after it
                                buf[2] = 1;
                                buf[3] = 0;
                                buf[4] = 0;
                                buf[5] = 1;
                            }
                            s.send(new DatagramPacket(buf, len, to));
                            flood.incrementAndGet();
                            if ((flood.get() & 63) == 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // ~ 40-60k/s
                            }
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                OpenLoopLoad load = new OpenLoopLoad(port, 1000, 7000, 4, CLIENT_TIMEOUT, "valid.flood");
                long t0 = System.nanoTime() + 50 * MS;
                load.start(t0);
                Thread.sleep(6050);
                load.endAt = System.nanoTime();
                flooding.set(false);
                flooder.join();
                load.finish();
                int failed = load.failedSentBetween(0, Long.MAX_VALUE);
                long[] lat = load.sortedLatencies();
                Message after;
                try (DnsClient c = new DnsClient(port)) {
                    after = c.udp(DnsClient.query("after.flood.test.", Type.A));
                }
                System.out.printf(
                        "[TEST] malformed flood: %d junk datagrams in 6 s mixed into %d valid queries at 1000 qps:"
                                + " failed %d, latency p50 %.2f ms p99 %.2f ms max %.2f ms; served afterwards: %s%n",
                        flood.get(),
                        load.sent, failed, pct(lat, 50), pct(lat, 99), lat[lat.length - 1] / 1e6,
                        after == null ? "no" : Rcode.string(after.getRcode()));
                assertEquals(0, failed);
                assertTrue(after != null && after.getRcode() == Rcode.NOERROR);
            }
        }
    }

    @Test
    @Timeout(90)
    void slowlorisCannotHoldTheConnectionCapAgainstValidClients() throws Exception {
        int cap = 32;
        try (FakeUpstream up = FakeUpstream.start()) {
            int port = FreePorts.udpAndTcp();
            try (TestServer server = TestServer
                    .fromText(".:" + port + " {\n bind 127.0.0.1\n timeouts {\n  read 2s\n  idle 2s\n"
                            + "  maxconnections " + cap + "\n }\n forward . " + up.hostPort() + "\n}\n")) {
                Listener listener = server.firstListener();
                AtomicBoolean attacking = new AtomicBoolean(true);
                AtomicInteger maxSeen = new AtomicInteger();
                AtomicLong attackerConnections = new AtomicLong();
                List<Thread> attackers = new ArrayList<>();
                for (int t = 0; t < 8; t++) { // 8 x 40 = 320 trickling connections kept up at all times
                    attackers.add(Thread.ofVirtual().start(() -> {
                        List<Socket> mine = new ArrayList<>();
                        try {
                            while (attacking.get()) {
                                mine.removeIf(Socket::isClosed);
                                while (mine.size() < 40 && attacking.get()) {
                                    try {
                                        Socket s = new Socket();
                                        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                                        mine.add(s);
                                        attackerConnections.incrementAndGet();
                                    } catch (IOException e) {
                                        break;
                                    }
                                }
                                for (Socket s : mine) { // one byte of a length prefix every 300 ms
                                    try {
                                        OutputStream o = s.getOutputStream();
                                        o.write(0);
                                        o.flush();
                                    } catch (IOException e) {
                                        try {
                                            s.close();
                                        } catch (IOException ignored) {
                                            // closed by the server
                                        }
                                    }
                                }
                                maxSeen.accumulateAndGet(listener.tcpConnections(), Math::max);
                                Thread.sleep(300);
                            }
                        } catch (InterruptedException ignored) {
                            // stop
                        } finally {
                            for (Socket s : mine) {
                                try {
                                    s.close();
                                } catch (IOException ignored) {
                                    // done
                                }
                            }
                        }
                    }));
                }
                Thread.sleep(1000);
                int asked = 0;
                int answered = 0;
                long[] lat = new long[2000];
                long end = System.nanoTime() + 10_000 * MS;
                while (System.nanoTime() < end && asked < lat.length) {
                    long s0 = System.nanoTime();
                    boolean ok = false;
                    while (!ok && System.nanoTime() - s0 < CLIENT_TIMEOUT) { // a stub retries a refused connection
                        ok = tcpQuery(port, "valid" + asked + ".slowloris.test.");
                        if (!ok) {
                            Thread.sleep(20);
                        }
                    }
                    lat[asked++] = System.nanoTime() - s0;
                    if (ok) {
                        answered++;
                    }
                    maxSeen.accumulateAndGet(listener.tcpConnections(), Math::max);
                }
                attacking.set(false);
                for (Thread t : attackers) {
                    t.join();
                }
                long[] sorted = Arrays.copyOf(lat, asked);
                Arrays.sort(sorted);
                System.out.printf(
                        "[TEST] slowloris: %d attacker connections opened against a cap of %d (read timeout 2 s);"
                                + " open connections never above %d; valid TCP clients: %d of %d answered within 5 s"
                                + " (p50 %.1f ms, p99 %.1f ms, max %.1f ms incl. retries)%n",
                        attackerConnections.get(), cap,
                        maxSeen.get(), answered, asked, pct(sorted, 50), pct(sorted, 99),
                        sorted[sorted.length - 1] / 1e6);
                assertTrue(maxSeen.get() <= cap, "connections above the cap: " + maxSeen.get());
                assertEquals(asked, answered, "every valid client got its answer within 5 s");
            }
        }
    }

    /** One query on a fresh TCP connection; false if the server closed it or it failed. */
    private static boolean tcpQuery(int port, String name) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(3000);
            byte[] q = DnsClient.query(name, Type.A).toWire();
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int len = in.readUnsignedShort();
            byte[] r = new byte[len];
            in.readFully(r);
            return new Message(r).getRcode() == Rcode.NOERROR;
        } catch (IOException e) {
            return false;
        }
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)] / 1e6;
    }
}
