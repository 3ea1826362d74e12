package io.nodedns.config;

import java.util.ArrayList;
import java.util.List;

/**
 * An IP network written as ADDRESS/LENGTH, parsed as strictly as Go's net.ParseCIDR, and its
 * reverse DNS zones as CoreDNS's {@code plugin/pkg/cidr} computes them (CoreDNS core/dnsserver/register.go, plugin/normalize.go).
 */
public final class IpPrefix {

    private final byte[] network; // host bits cleared
    private final int length;

    private IpPrefix(byte[] network, int length) {
        this.network = network;
        this.length = length;
    }

    /** Null if {@code s} is not ADDRESS/LENGTH with a valid IPv4 or IPv6 address and length. */
    static IpPrefix parse(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String address = s.substring(0, slash);
        String lengthText = s.substring(slash + 1);
        byte[] ip = parseIp(address);
        if (ip == null || !lengthText.matches("[0-9]{1,9}")) {
            return null;
        }
        int length = Integer.parseInt(lengthText);
        if (length > ip.length * 8) {
            return null;
        }
        for (int bit = length; bit < ip.length * 8; bit++) {
            ip[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new IpPrefix(ip, length);
    }

    /**
     * The reverse zones covering this network: the length is rounded up to the next label
     * boundary (8 bits for IPv4, 4 for IPv6) and each resulting subnet becomes one zone.
     */
    List<String> reverseZones() {
        int boundary = network.length == 4 ? 8 : 4;
        int rounded = (length + boundary - 1) / boundary * boundary;
        int subnets = 1 << (rounded - length); // at most 128 (IPv4) or 8 (IPv6)
        List<String> zones = new ArrayList<>(subnets);
        for (int k = 0; k < subnets; k++) {
            byte[] subnet = network.clone();
            addAtBit(subnet, k, rounded);
            zones.add(reverseName(subnet, rounded / boundary, boundary));
        }
        return zones;
    }

    /** Adds {@code k} to the address so that its lowest bit lands on bit {@code prefixEnd - 1}. */
    private static void addAtBit(byte[] address, int k, int prefixEnd) {
        for (int i = 0; k >> i != 0; i++) {
            if ((k >> i & 1) == 1) {
                int bit = prefixEnd - 1 - i;
                address[bit / 8] |= (byte) (0x80 >>> (bit % 8));
            }
        }
    }

    private static String reverseName(byte[] address, int labels, int bitsPerLabel) {
        StringBuilder name = new StringBuilder();
        for (int label = labels - 1; label >= 0; label--) {
            int value;
            if (bitsPerLabel == 8) {
                value = address[label] & 0xFF;
                name.append(value);
            } else {
                int octet = address[label / 2] & 0xFF;
                value = label % 2 == 0 ? octet >>> 4 : octet & 0x0F;
                name.append(Character.forDigit(value, 16));
            }
            name.append('.');
        }
        return name.append(bitsPerLabel == 8 ? "in-addr.arpa." : "ip6.arpa.").toString();
    }

    /** An IPv4 (4 bytes) or IPv6 (16 bytes) address as written, no zone (Go's net.ParseIP); null if neither. */
    public static byte[] parseIp(String s) {
        return s.indexOf(':') >= 0 ? parseIpv6(s) : parseIpv4(s);
    }

    /**
     * Go's To4 where it applies: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its 4 IPv4 bytes,
     * any other address (or null) as it is.
     */
    public static byte[] unmapped(byte[] ip) {
        if (ip == null || ip.length != 16 || ip[10] != (byte) 0xFF || ip[11] != (byte) 0xFF) {
            return ip;
        }
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return ip;
            }
        }
        return java.util.Arrays.copyOfRange(ip, 12, 16);
    }

    /** Dotted quad, each field 0..255 without leading zeros (Go 1.17+ rules). */
    public static byte[] parseIpv4(String s) {
        String[] fields = s.split("\\.", -1);
        if (fields.length != 4) {
            return null;
        }
        byte[] ip = new byte[4];
        for (int i = 0; i < 4; i++) {
            String f = fields[i];
            if (!f.matches("0|[1-9][0-9]{0,2}")) {
                return null;
            }
            int v = Integer.parseInt(f);
            if (v > 255) {
                return null;
            }
            ip[i] = (byte) v;
        }
        return ip;
    }

    /** RFC 4291 text form: hex groups, at most one "::", optional dotted quad at the end, no zone. */
    public static byte[] parseIpv6(String s) {
        byte[] ip = new byte[16];
        int pos = 0;
        int ellipsis = -1;
        int i = 0;
        if (s.startsWith("::")) {
            ellipsis = 0;
            i = 2;
        }
        while (i < s.length()) {
            int digits = 0;
            int group = 0;
            while (i + digits < s.length() && Character.digit(s.charAt(i + digits), 16) >= 0 && digits < 5) {
                group = group * 16 + Character.digit(s.charAt(i + digits), 16);
                digits++;
            }
            if (digits == 0) {
                return null;
            }
            if (i + digits < s.length() && s.charAt(i + digits) == '.') {
                byte[] v4 = parseIpv4(s.substring(i));
                if (v4 == null || pos + 4 > 16) {
                    return null;
                }
                System.arraycopy(v4, 0, ip, pos, 4);
                pos += 4;
                i = s.length();
                break;
            }
            if (digits > 4 || pos + 2 > 16) {
                return null;
            }
            ip[pos++] = (byte) (group >>> 8);
            ip[pos++] = (byte) group;
            i += digits;
            if (i == s.length()) {
                break;
            }
            if (s.charAt(i) != ':' || i + 1 == s.length()) {
                return null;
            }
            i++;
            if (s.charAt(i) == ':') {
                if (ellipsis >= 0) {
                    return null;
                }
                ellipsis = pos;
                i++;
            }
        }
        if (pos < 16) {
            if (ellipsis < 0) {
                return null;
            }
            int shift = 16 - pos;
            System.arraycopy(ip, ellipsis, ip, ellipsis + shift, pos - ellipsis);
            for (int j = ellipsis; j < ellipsis + shift; j++) {
                ip[j] = 0;
            }
        } else if (ellipsis >= 0) {
            return null; // "::" must stand for at least one group
        }
        return ip;
    }
}
