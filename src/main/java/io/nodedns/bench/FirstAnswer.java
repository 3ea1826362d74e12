package io.nodedns.bench;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * Waits for a server that is starting: one query a millisecond until a reply comes back with
 * NOERROR (a server that is up but cannot reach its upstream yet answers SERVFAIL, which is not an
 * answer a client can use). Before the server binds, the kernel refuses the queries (ICMP port
 * unreachable); those errors are the expected state, not failures.
 */
final class FirstAnswer {
    private static final long POLL_MILLIS = 1;

    private FirstAnswer() {}

    /** Nanoseconds from the call to the first NOERROR reply; IOException when none came within maxNs. */
    static long await(InetSocketAddress server, String zone, long maxNs) throws IOException {
        String z = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        ByteBuffer query = ByteBuffer.wrap(QuerySet.encode("await." + z, false));
        ByteBuffer reply = ByteBuffer.allocate(1500);
        long start = System.nanoTime();
        try (DatagramChannel ch = DatagramChannel.open(server.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET); Selector selector = Selector.open()) {
            ch.connect(server);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            for (int id = 1; System.nanoTime() - start < maxNs; id = (id + 1) & 0xFFFF) {
                query.putShort(0, (short) id).clear();
                try {
                    ch.write(query);
                } catch (PortUnreachableException e) {
                    // the refusal of an earlier query: nothing listens yet
                }
                selector.select(POLL_MILLIS); // wakes at once on a reply
                selector.selectedKeys().clear();
                while (true) {
                    reply.clear();
                    int n;
                    try {
                        n = ch.read(reply);
                    } catch (PortUnreachableException e) {
                        continue; // a refusal queued before the server bound; read on
                    }
                    if (n <= 0) {
                        break;
                    }
                    // any reply on this connected socket is to one of our queries: QR set, RCODE 0
                    if (n >= 12 && (reply.get(2) & 0x80) != 0 && (reply.get(3) & 0x0F) == 0) {
                        return System.nanoTime() - start;
                    }
                }
            }
        }
        throw new IOException("no NOERROR reply from " + server + " within " + maxNs / 1_000_000 + " ms");
    }
}
