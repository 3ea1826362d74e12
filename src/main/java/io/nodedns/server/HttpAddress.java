package io.nodedns.server;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;

/** Validates a Go-style listen address ({@code :8080}, {@code 127.0.0.1:8080}, {@code [::1]:8080}). */
public final class HttpAddress {
    private HttpAddress() {}

    /**
     * Reads the optional {@code [ADDR]} argument of health, ready and prometheus (the dispenser
     * is on the directive name): the checked address, or the default; a second argument is an error.
     */
    public static String optional(Dispenser d, String defaultAddress) throws ConfigException {
        String address = defaultAddress;
        if (d.nextArg()) {
            address = check(d, d.val());
            d.requireNoMoreArgs();
        }
        return address;
    }

    public static String check(Dispenser d, String address) throws ConfigException {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw d.pluginErr("invalid listen address '" + address + "': missing port");
        }
        String host = address.substring(0, colon);
        if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
            throw d.pluginErr("invalid listen address '" + address + "': IPv6 hosts need brackets");
        }
        try {
            int port = Integer.parseInt(address.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw d.pluginErr("invalid listen address '" + address + "': bad port");
        }
        return address;
    }
}
