package io.nodedns.plugin.kubernetes;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import org.xbill.DNS.Name;

/** Whole reverse names (in-addr.arpa, ip6.arpa nibbles) back to addresses; partial names give null. */
final class ReverseNames {
    private ReverseNames() {}

    static InetAddress address(Name name) {
        String text = name.toString().toLowerCase(Locale.ROOT);
        try {
            if (text.endsWith(".in-addr.arpa.")) {
                String[] p = text.substring(0, text.length() - ".in-addr.arpa.".length()).split("\\.");
                if (p.length != 4) {
                    return null;
                }
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    if (!p[3 - i].matches("[0-9]{1,3}") || Integer.parseInt(p[3 - i]) > 255) {
                        return null;
                    }
                    b[i] = (byte) Integer.parseInt(p[3 - i]);
                }
                return InetAddress.getByAddress(b);
            }
            if (text.endsWith(".ip6.arpa.")) {
                String[] p = text.substring(0, text.length() - ".ip6.arpa.".length()).split("\\.");
                if (p.length != 32) {
                    return null;
                }
                byte[] b = new byte[16];
                for (int i = 0; i < 32; i++) {
                    String nib = p[31 - i];
                    if (!nib.matches("[0-9a-f]")) {
                        return null;
                    }
                    b[i / 2] |= (byte) (Integer.parseInt(nib, 16) << (i % 2 == 0 ? 4 : 0));
                }
                return InetAddress.getByAddress(b);
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }
}
