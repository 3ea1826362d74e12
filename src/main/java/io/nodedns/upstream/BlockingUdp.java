package io.nodedns.upstream;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One blocking UDP exchange on a fresh connected socket (a new kernel-chosen source port each
 * time), for callers off the UDP loops: TCP clients with prefer_udp, and health probes. Datagrams
 * the filter rejects (wrong ID, wrong question, junk) are skipped until the deadline, like
 * CoreDNS's UDP read loop.
 */
public final class BlockingUdp {
    /** Decides whether a received datagram is the reply (it sees {@code reply[0, length)}). */
    @FunctionalInterface
    public interface Filter {
        boolean accept(byte[] reply, int length);
    }

    private BlockingUdp() {}

    /** @return the accepted reply's length in {@code reply} */
    public static int exchange(InetSocketAddress to, InetAddress source, byte[] query, int length, byte[] reply,
            long deadlineNanos, Filter filter) throws IOException {
        try (DatagramSocket s = source == null
                ? new DatagramSocket()
                : new DatagramSocket(new InetSocketAddress(source, 0))) {
            s.connect(to);
            s.send(new DatagramPacket(query, length));
            DatagramPacket p = new DatagramPacket(reply, reply.length);
            while (true) {
                s.setSoTimeout(TcpPool.remainingMillis(deadlineNanos));
                p.setData(reply, 0, reply.length);
                s.receive(p);
                if (filter.accept(reply, p.getLength())) {
                    return p.getLength();
                }
            }
        }
    }
}
