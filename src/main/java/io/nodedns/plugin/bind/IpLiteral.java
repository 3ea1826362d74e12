package io.nodedns.plugin.bind;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Recognises IP literals without DNS lookups and prints them canonically. */
public final class IpLiteral {
    private IpLiteral() {}

    /** The canonical text of an IPv4/IPv6 literal (zone kept), or null if it is not one. */
    public static String normalize(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String zone = "";
        String addr = text;
        int percent = text.indexOf('%');
        if (percent >= 0) {
            zone = text.substring(percent);
            addr = text.substring(0, percent);
        }
        boolean v6 = addr.indexOf(':') >= 0;
        boolean v4 = !v6 && addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!v4 && !(v6 && addr.matches("[0-9A-Fa-f:.]+"))) {
            return null;
        }
        try {
            InetAddress parsed = InetAddress.getByName(addr); // literal: no lookup happens
            String canonical = parsed.getHostAddress();
            if (v6) {
                canonical = compressV6(parsed.getAddress());
            }
            return canonical + (v6 ? zone : "");
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String compressV6(byte[] bytes) {
        if (bytes.length == 4) {
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i > 1) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(groups[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
