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
                canonical = io.nodedns.net.IpText.of(parsed.getAddress());
            }
            return canonical + (v6 ? zone : "");
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
