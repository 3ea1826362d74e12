package io.nodedns.plugin.bind;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Looks up an interface's addresses; replaceable in tests. */
@FunctionalInterface
public interface InterfaceAddresses {
    /** The interface's addresses as IP literals (link-local IPv6 with %name), or null if there is no such interface. */
    List<String> addressesOf(String name);

    InterfaceAddresses SYSTEM = name -> {
        try {
            NetworkInterface nic = NetworkInterface.getByName(name);
            if (nic == null) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                String text = IpLiteral.normalize(a.getHostAddress().replaceAll("%.*$", ""));
                if (a instanceof Inet6Address v6 && v6.isLinkLocalAddress()) {
                    text = text + "%" + name;
                }
                out.add(text);
            }
            return out;
        } catch (SocketException e) {
            return null;
        }
    };
}
