package io.nodedns.plugin.acl;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.IpPrefix;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.Type;

/**
 * {@code acl [ZONES...] { ACTION [type QTYPE...] [net SOURCE...] }} (CoreDNS plugin/acl), as often
 * per block as wanted: ACTION allow, block, filter or drop; QTYPE a type name or {@code *};
 * SOURCE an address (a /32 or /128), a CIDR or {@code *}. Omitted sections match everything.
 */
public final class AclSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        List<AclConfig.Rule> rules = new ArrayList<>();
        for (Directive directive : ctx.occurrences()) {
            rules.add(parseRule(directive.dispenser(), ctx.zones()));
        }
        AclMetrics metrics = ctx.shared().metrics(AclMetrics.KEY, k -> new AclMetrics()); // once per process: series survive reloads
        String server = ctx.listenLabels(ctx.keys().getFirst().port()).getFirst();
        ctx.addHandler(new AclHandler(new AclConfig(rules), metrics, server));
    }

    static AclConfig.Rule parseRule(Dispenser d, List<String> blockZones) throws ConfigException {
        d.next();
        List<String> zones = new ArrayList<>();
        for (Token arg : d.remainingArgTokens()) {
            zones.addAll(Zones.normalize(arg));
        }
        if (zones.isEmpty()) {
            zones.addAll(blockZones);
        }
        List<AclConfig.Policy> policies = new ArrayList<>();
        while (d.nextBlock()) {
            policies.add(parsePolicy(d));
        }
        return new AclConfig.Rule(zones, policies);
    }

    private static AclConfig.Policy parsePolicy(Dispenser d) throws ConfigException {
        AclConfig.Action action = switch (d.val().toLowerCase(Locale.ROOT)) {
            case "allow" -> AclConfig.Action.ALLOW;
            case "block" -> AclConfig.Action.BLOCK;
            case "filter" -> AclConfig.Action.FILTER;
            case "drop" -> AclConfig.Action.DROP;
            default ->
                throw d.pluginErr("unexpected token '" + d.val() + "'; expect 'allow', 'block', 'filter' or 'drop'");
        };
        List<Integer> qtypes = new ArrayList<>();
        List<AclConfig.Network> sources = new ArrayList<>();
        boolean allTypes = false;
        boolean allSources = false;
        List<String> args = d.remainingArgs();
        String section = null;
        int sectionTokens = 0;
        for (String arg : args) {
            String word = arg.toLowerCase(Locale.ROOT);
            if (word.equals("type") || word.equals("net")) {
                if (section != null && sectionTokens == 0) {
                    throw d.pluginErr("no token specified in '" + section + "' section");
                }
                section = word;
                sectionTokens = 0;
                continue;
            }
            if (section == null) {
                throw d.pluginErr("unexpected token '" + arg + "'; expect 'type | net'");
            }
            sectionTokens++;
            if (section.equals("type")) {
                if (arg.equals("*")) {
                    allTypes = true;
                } else {
                    int type = Type.value(arg);
                    if (type < 0) {
                        throw d.pluginErr("unexpected token '" + arg + "'; expect legal QTYPE");
                    }
                    qtypes.add(type);
                }
            } else if (arg.equals("*")) {
                allSources = true;
            } else {
                sources.add(network(d, arg));
            }
        }
        if (section != null && sectionTokens == 0) {
            throw d.pluginErr("no token specified in '" + section + "' section");
        }
        return new AclConfig.Policy(action, allTypes ? List.of() : qtypes, allSources ? List.of() : sources);
    }

    /** A CIDR, or a single address as /32 or /128 (CoreDNS's normalize). */
    static AclConfig.Network network(Dispenser d, String text) throws ConfigException {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] ip = IpPrefix.parseIp(address);
        int bits = ip == null ? -1 : ip.length * 8;
        if (slash >= 0 && ip != null) {
            String length = text.substring(slash + 1);
            bits = length.matches("0|[1-9][0-9]{0,2}") ? Integer.parseInt(length) : -1;
        }
        if (ip == null || bits < 0 || bits > ip.length * 8) {
            throw d.pluginErr("illegal CIDR notation '" + text + "'");
        }
        return new AclConfig.Network(ip, bits);
    }
}
