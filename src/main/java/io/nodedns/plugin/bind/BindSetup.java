package io.nodedns.plugin.bind;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
        Set<String> all = new LinkedHashSet<>();
        for (Directive d : ctx.occurrences()) {
            Dispenser dispenser = d.dispenser();
            dispenser.next();
            List<String> include = new ArrayList<>();
            boolean any = false;
            while (dispenser.nextArg()) {
                any = true;
                include.addAll(resolve(dispenser));
            }
            if (!any) {
                throw dispenser.argErr();
            }
            Set<String> except = new LinkedHashSet<>();
            while (dispenser.nextBlock()) {
                if (!dispenser.val().equals("except")) {
                    throw dispenser.err("unknown property '" + dispenser.val() + "'");
                }
                boolean exceptArgs = false;
                while (dispenser.nextArg()) {
                    exceptArgs = true;
                    except.addAll(resolve(dispenser));
                }
                if (!exceptArgs) {
                    throw dispenser.argErr();
                }
            }
            for (String address : include) {
                if (!except.contains(address)) {
                    all.add(address);
                }
            }
        }
        if (all.isEmpty()) {
            Directive first = ctx.occurrences().getFirst();
            throw first.pluginErr(first.nameToken(), "no address left to listen on after 'except'");
        }
        ctx.addListenHosts(List.copyOf(all));
    }

    private List<String> resolve(Dispenser dispenser) throws ConfigException {
        String value = dispenser.val();
        String literal = IpLiteral.normalize(value);
        if (literal != null) {
            return List.of(literal);
        }
        List<String> addresses = interfaces.addressesOf(value);
        if (addresses == null) {
            throw dispenser.pluginErr("not a valid IP address or interface name: '" + value + "'");
        }
        if (addresses.isEmpty()) {
            throw dispenser.pluginErr("interface '" + value + "' has no addresses");
        }
        return addresses;
    }
}
