package io.nodedns.plugin.bind;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code bind ADDR|IFACE... [{ except ADDR|IFACE... }]} (CoreDNS plugin/bind): the block listens only on these
 * addresses. Several bind lines merge; an except applies to its own line. Interfaces expand to
 * their addresses (IPv6 link-local ones with a %zone).
 */
public final class BindSetup implements PluginSetup {
    private final InterfaceAddresses interfaces;

    public BindSetup() {
        this(InterfaceAddresses.SYSTEM);
    }

    public BindSetup(InterfaceAddresses interfaces) {
        this.interfaces = interfaces;
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        BindConfig config = ctx.parseEach(BindConfig.NONE, (d, previous) -> parse(d, previous, interfaces));
        if (config.addresses().isEmpty()) {
            Directive first = ctx.occurrences().getFirst();
            throw first.pluginErr(first.nameToken(), "no address left to listen on after 'except'");
        }
        ctx.addListenHosts(config.addresses());
    }

    /** Adds one line's addresses but its excepted ones (the dispenser stands before the name). */
    static BindConfig parse(Dispenser d, BindConfig previous, InterfaceAddresses interfaces) throws ConfigException {
        d.next();
        List<String> include = resolve(d, interfaces);
        Set<String> except = new HashSet<>();
        while (d.nextBlock()) {
            if (!d.val().equals("except")) {
                throw d.unknownProperty();
            }
            except.addAll(resolve(d, interfaces));
        }
        List<String> kept = new ArrayList<>();
        for (String address : include) {
            if (!except.contains(address)) {
                kept.add(address);
            }
        }
        return previous.with(kept);
    }

    /** The rest of the line's arguments, at least one, each an IP address or an interface's addresses. */
    private static List<String> resolve(Dispenser d, InterfaceAddresses interfaces) throws ConfigException {
        List<String> addresses = new ArrayList<>();
        for (Token t : d.requireArgTokens()) {
            String literal = IpLiteral.normalize(t.text());
            if (literal != null) {
                addresses.add(literal);
                continue;
            }
            List<String> of = interfaces.addressesOf(t.text());
            if (of == null) {
                throw d.pluginErr(t, "not a valid IP address or interface name: '" + t.text() + "'");
            }
            if (of.isEmpty()) {
                throw d.pluginErr(t, "interface '" + t.text() + "' has no addresses");
            }
            addresses.addAll(of);
        }
        return addresses;
    }
}
