package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * nsid, local, any, chaos, acl, header and minimal together allocate nothing per query on the UDP
 * loop: every one of them answers or passes some of the queries, and the hooks (nsid appending an
 * OPT, header, minimal) run on the replies of the others. dns64 is there too, passing everything
 * (no AAAA query): what it costs blocks that use it for other types.
 */
class SmallPluginsAllocationTest {
    private static final int CLIENTS = 500;

    @Test
    void smallPluginsAllocateNothingOnTheLoop() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                    multisocket 1
                    nsid edge-1
                    local
                    dns64
                    any
                    chaos v1 alice bob
                    acl {
                        block type MX net 10.0.0.0/8
                        filter type TXT net 127.0.0.1
                    }
                    header {
                        response set ra
                        query set rd
                    }
                    minimal
                    hosts {
                        192.0.2.1 example.org
                    }
                }
                """.formatted(port);
        Message nsid = DnsClient.query("example.org", Type.A);
        nsid.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(EDNSOption.Code.NSID, new byte[0]))),
                Section.ADDITIONAL);
        byte[][] queries = {
                nsid.toWire(),
                DnsClient.query("version.bind", Type.TXT, DClass.CH).toWire(),
                DnsClient.query("example.org", Type.ANY).toWire(),
                DnsClient.query("localhost.example.org", Type.A).toWire(),
                DnsClient.query("example.org", Type.TXT).toWire(),
        };
        try (TestServer server = TestServer.fromText(corefile)) {
            UdpLoop loop = server.firstLoop();
            assertTrue(loop.nativeIo(), "the recvmmsg/sendmmsg path is in use on Linux");
            long loopThread = HotPathAllocationTest.findThread("nodedns-udp-");
            DatagramSocket[] clients = new DatagramSocket[CLIENTS];
            for (int i = 0; i < CLIENTS; i++) {
                clients[i] = new DatagramSocket();
                clients[i].setSoTimeout(2000);
            }
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            try {
                int lost = rounds(clients, queries, loopback, port, 60); // warm-up: JIT, pools
                var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                double best = Double.MAX_VALUE;
                StringBuilder windows = new StringBuilder();
                for (int w = 0; w < 5 && best > 0; w++) {
                    long before = mx.getThreadAllocatedBytes(loopThread);
                    lost += rounds(clients, queries, loopback, port, 40);
                    long after = mx.getThreadAllocatedBytes(loopThread);
                    double perQuery = (after - before) / (CLIENTS * 40.0);
                    windows.append(String.format(" %d B (%.4f B/query)", after - before, perQuery));
                    best = Math.min(best, perQuery);
                }
                System.out.printf("small plugins: %d-query windows:%s; %d lost%n", CLIENTS * 40, windows, lost);
                assertEquals(0, lost, "every query answered");
                assertTrue(best < 0.01, "allocated " + best + " bytes per query:" + windows);
            } finally {
                for (DatagramSocket c : clients) {
                    c.close();
                }
            }
        }
    }

    private static int rounds(DatagramSocket[] clients, byte[][] queries, InetAddress to, int port, int rounds) throws Exception {
        int lost = 0;
        byte[] buf = new byte[1232];
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        for (int r = 0; r < rounds; r++) {
            for (int start = 0; start < clients.length; start += 100) {
                for (int i = start; i < start + 100; i++) {
                    byte[] q = queries[(i + r) % queries.length];
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
        }
        return lost;
    }
}
