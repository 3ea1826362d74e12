package io.nodedns.plugin.template;

import static java.nio.ByteOrder.BIG_ENDIAN;

import io.nodedns.wire.QueryView;
import java.util.Locale;
import org.agrona.DirectBuffer;

/**
 * miekg/dns v1.1.50's OPT.String (edns.go), the OPT pseudo-section of {@code .Message}: version,
 * DO, UDP size and one line per option, each option as that version unpacks and prints it. An
 * option it would fail to unpack (a SUBNET of an unknown family, a KEEPALIVE of 3 bytes) makes
 * CoreDNS refuse the query with FORMERR before any plugin sees it; here it fails the template.
 */
final class GoEdnsText {
    private GoEdnsText() {}

    static void opt(QueryView q, StringBuilder out) throws GoTemplate.Failure {
        out.append("\n;; OPT PSEUDOSECTION:\n; EDNS: version ").append(q.ednsVersion()).append("; ")
                .append(q.dnssecOk() ? "flags: do; " : "flags: ; ").append("udp: ").append(q.ednsUdpSize());
        DirectBuffer b = q.buffer();
        int end = q.ednsOptionsOffset() + q.ednsOptionsLength();
        for (int pos = q.ednsOptionsOffset(); pos + 4 <= end;) {
            int code = b.getShort(pos, BIG_ENDIAN) & 0xFFFF;
            int len = b.getShort(pos + 2, BIG_ENDIAN) & 0xFFFF;
            option(code, b, pos + 4, len, out);
            pos += 4 + len;
        }
    }

    private static void option(int code, DirectBuffer b, int off, int len, StringBuilder out)
            throws GoTemplate.Failure {
        switch (code) {
            case 1 -> { // LLQ
                need(len >= 18, "LLQ");
                out.append("\n; LONG LIVED QUERIES: ").append(u16(b, off)).append(' ').append(u16(b, off + 2))
                        .append(' ').append(u16(b, off + 4)).append(' ')
                        .append(Long.toUnsignedString(b.getLong(off + 6, BIG_ENDIAN))).append(' ')
                        .append(u32(b, off + 14));
            }
            case 2 -> { // UL: fmt "%d %d" of lease and key lease
                need(len == 4 || len == 8, "UL");
                out.append("\n; UPDATE LEASE: ").append(u32(b, off)).append(' ').append(len == 8 ? u32(b, off + 4) : 0);
            }
            case 3 -> { // NSID: the hex, then each byte as the rune of its value in parentheses
                out.append("\n; NSID: ").append(GoDnsText.hex(b, off, len)).append("  ");
                for (int i = 0; i < len; i++) {
                    out.append('(').append((char) (b.getByte(off + i) & 0xFF)).append(')');
                }
            }
            case 4 -> out.append("\n; ESU: ").append(GoDnsText.utf8(b, off, len));
            case 5 -> out.append("\n; DNSSEC ALGORITHM UNDERSTOOD: ").append(GoDnsText.algorithms(b, off, len, false));
            case 6 -> out.append("\n; DS HASH UNDERSTOOD: ").append(GoDnsText.algorithms(b, off, len, true));
            case 7 -> out.append("\n; NSEC3 HASH UNDERSTOOD: ").append(GoDnsText.algorithms(b, off, len, true));
            case 8 -> subnet(b, off, len, out);
            case 9 -> need(len == 0 || len >= 4, "EXPIRE"); // unpacked, but OPT.String has no case for it
            case 10 -> out.append("\n; COOKIE: ").append(GoDnsText.hex(b, off, len));
            case 11 -> { // KEEPALIVE: Timeout*100 is a uint16 product in Go, so it wraps
                need(len == 0 || len == 2, "KEEPALIVE");
                out.append("\n; KEEPALIVE: use tcp keep-alive");
                if (len == 0 || u16(b, off) == 0) {
                    out.append(", timeout omitted");
                } else {
                    out.append(", timeout ").append((u16(b, off) * 100) & 0xFFFF).append("ms");
                }
            }
            case 12 -> out.append("\n; PADDING: ").append(GoDnsText.hex(b, off, len).toUpperCase(Locale.ROOT));
            case 15 -> { // EDE: "CODE (Name): (text)", the name only for codes v1.1.50 knows (0 to 24)
                need(len >= 2, "EDE");
                int info = u16(b, off);
                out.append("\n; EDE: ").append(info);
                if (info < EDE_NAMES.length) {
                    out.append(" (").append(EDE_NAMES[info]).append(')');
                }
                out.append(": (").append(GoDnsText.utf8(b, off + 2, len - 2)).append(')');
            }
            default -> out.append("\n; LOCAL OPT: ").append(code).append(":0x").append(GoDnsText.hex(b, off, len));
        }
    }

    /** EDNS0_SUBNET's unpack and String: family 0 (dig's empty one) reads as 0.0.0.0. */
    private static void subnet(DirectBuffer b, int off, int len, StringBuilder out) throws GoTemplate.Failure {
        need(len >= 4, "SUBNET");
        int family = u16(b, off);
        int source = b.getByte(off + 2) & 0xFF;
        int scope = b.getByte(off + 3) & 0xFF;
        byte[] address;
        switch (family) {
            case 0 -> {
                need(source == 0, "SUBNET");
                address = new byte[4];
            }
            case 1, 2 -> {
                int bits = family == 1 ? 32 : 128;
                need(source <= bits && scope <= bits, "SUBNET");
                address = new byte[bits / 8];
                b.getBytes(off + 4, address, 0, Math.min(address.length, len - 4));
            }
            default -> throw malformed("SUBNET");
        }
        out.append("\n; SUBNET: ").append(GoDnsText.ip(address)).append('/').append(source).append('/').append(scope);
    }

    private static final String[] EDE_NAMES = {"Other", "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type",
            "Stale Answer", "Forged Answer", "DNSSEC Indeterminate", "DNSSEC Bogus", "Signature Expired",
            "Signature Not Yet Valid", "DNSKEY Missing", "RRSIGs Missing", "No Zone Key Bit Set", "NSEC Missing",
            "Cached Error", "Not Ready", "Blocked", "Censored", "Filtered", "Prohibited", "Stale NXDOMAIN Answer",
            "Not Authoritative", "Not Supported", "No Reachable Authority", "Network Error", "Invalid Data"};

    private static int u16(DirectBuffer b, int off) {
        return b.getShort(off, BIG_ENDIAN) & 0xFFFF;
    }

    private static long u32(DirectBuffer b, int off) {
        return b.getInt(off, BIG_ENDIAN) & 0xFFFFFFFFL;
    }

    private static void need(boolean wellFormed, String option) throws GoTemplate.Failure {
        if (!wellFormed) {
            throw malformed(option);
        }
    }

    private static GoTemplate.Failure malformed(String option) {
        return new GoTemplate.Failure("printing .Message: malformed EDNS0 " + option
                + " option (CoreDNS answers such a query FORMERR)");
    }
}
