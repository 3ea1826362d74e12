package io.nodedns.server;

import io.nodedns.sys.LinuxSockets;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Turns the ancillary data of a received datagram into the control message for its reply, so the
 * reply's source is the address the query was sent to. struct cmsghdr on LP64 Linux is
 * {size_t len; int level; int type} with the data at offset 16; IP_PKTINFO carries struct
 * in_pktinfo {int ifindex; in_addr spec_dst; in_addr addr}, IPV6_PKTINFO struct in6_pktinfo
 * {in6_addr addr; int ifindex}. No allocation: bytes are copied between native segments.
 */
final class PacketInfo {
    private static final int HEADER = 16;

    private PacketInfo() {}

    /** Writes the reply's control message into {@code out}; returns its length, 0 if none found. */
    static int toReplySource(MemorySegment in, int length, MemorySegment out) {
        int pos = 0;
        while (pos + HEADER <= length) {
            long len = in.get(ValueLayout.JAVA_LONG, pos);
            int level = in.get(ValueLayout.JAVA_INT, pos + 8);
            int type = in.get(ValueLayout.JAVA_INT, pos + 12);
            if (len < HEADER || pos + len > length) {
                return 0;
            }
            if (level == LinuxSockets.SOL_IPV6 && type == LinuxSockets.IPV6_PKTINFO && len >= HEADER + 20) {
                // reply with the same in6_pktinfo: destination address (v4-mapped for IPv4) and interface
                MemorySegment.copy(in, pos, out, 0, HEADER + 20);
                out.set(ValueLayout.JAVA_LONG, 0, HEADER + 20);
                return 40; // CMSG_SPACE(20)
            }
            if (level == LinuxSockets.SOL_IP && type == LinuxSockets.IP_PKTINFO && len >= HEADER + 12) {
                out.set(ValueLayout.JAVA_LONG, 0, HEADER + 12);
                out.set(ValueLayout.JAVA_INT, 8, LinuxSockets.SOL_IP);
                out.set(ValueLayout.JAVA_INT, 12, LinuxSockets.IP_PKTINFO);
                out.set(ValueLayout.JAVA_INT, HEADER, 0); // any interface: routing picks it
                out.set(ValueLayout.JAVA_INT, HEADER + 4, in.get(ValueLayout.JAVA_INT, pos + HEADER + 8)); // spec_dst = addr
                out.set(ValueLayout.JAVA_INT, HEADER + 8, 0);
                return 32; // CMSG_SPACE(12)
            }
            pos += (int) ((len + 7) & ~7L);
        }
        return 0;
    }
}
