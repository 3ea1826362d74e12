package io.nodedns.plugin.kubernetes;

import io.nodedns.wire.ReverseName;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.Name;

/**
 * Whole reverse names (in-addr.arpa, ip6.arpa nibbles) back to addresses, read by the one reverse
 * name reader ({@link ReverseName}, Go's rules as CoreDNS's); partial names give null.
 */
final class ReverseNames {
    private ReverseNames() {}

    static InetAddress address(Name name) {
        byte[] wire = name.toWire();
        UnsafeBuffer b = new UnsafeBuffer(wire);
        byte[] ip;
        if (ReverseName.isV4(b, 0, wire.length)) {
            long v4 = ReverseName.v4(b, 0, wire.length);
            if (v4 < 0) {
                return null;
            }
            ip = ByteBuffer.allocate(4).putInt((int) v4).array();
        } else if (ReverseName.isV6(b, 0, wire.length)) {
            ip = ByteBuffer.allocate(16).putLong(ReverseName.v6Half(b, 0, 16)).putLong(ReverseName.v6Half(b, 0, 0))
                    .array();
        } else {
            return null;
        }
        try {
            return InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) { // only for a length other than 4 or 16
            throw new IllegalStateException(e);
        }
    }
}
