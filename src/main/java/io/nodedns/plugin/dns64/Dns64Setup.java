package io.nodedns.plugin.dns64;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.IpPrefix;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.List;

/**
 * {@code dns64 [PREFIX]} or {@code dns64 { prefix PREFIX; translate_all; allow_ipv4 }} (CoreDNS
 * plugin/dns64). PREFIX defaults to the well-known 64:ff9b::/96 (RFC 6052 2.1).
 */
public final class Dns64Setup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dns64Config config = ctx.parseEach(null, Dns64Setup::parse);
        Dns64Metrics metrics = ctx.shared().metrics(Dns64Metrics.KEY, k -> new Dns64Metrics()); // once per process: series survive reloads
        String server = ctx.listenLabels(ctx.keys().getFirst().port()).getFirst();
        ctx.addHandler(new Dns64Handler(config, metrics.translated(server)));
    }

    static Dns64Config parse(Dispenser d, Dns64Config previous) throws ConfigException {
        Dns64Config c = previous != null ? previous : new Dns64Config(prefix(d, "64:ff9b::/96"), 96, false, false);
        d.next();
        List<String> args = d.remainingArgs();
        if (args.size() > 1) {
            throw d.argErr();
        }
        if (args.size() == 1) {
            return new Dns64Config(prefix(d, args.getFirst()), length(d, args.getFirst()), c.translateAll(),
                    c.allowIpv4());
        }
        byte[] prefix = c.prefix();
        int length = c.prefixLength();
        boolean translateAll = c.translateAll();
        boolean allowIpv4 = c.allowIpv4();
        while (d.nextBlock()) {
            switch (d.val()) {
                case "prefix" -> {
                    String text = d.requireArg();
                    prefix = prefix(d, text);
                    length = length(d, text);
                }
                case "translate_all" -> translateAll = true;
                case "allow_ipv4" -> allowIpv4 = true;
                default -> throw d.unknownProperty();
            }
        }
        return new Dns64Config(prefix, length, translateAll, allowIpv4);
    }

    private static byte[] prefix(Dispenser d, String text) throws ConfigException {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] ip = IpPrefix.parseIp(address);
        if (slash < 0 || ip == null || !text.substring(slash + 1).matches("0|[1-9][0-9]{0,2}")) {
            throw d.pluginErr("invalid CIDR address " + text);
        }
        if (ip.length != 16) {
            throw d.pluginErr("invalid netmask 32 IPv6 address: \"" + text + "\"");
        }
        int bits = Integer.parseInt(text.substring(slash + 1));
        for (int bit = bits; bit < 128 && bits <= 128; bit++) {
            ip[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return ip;
    }

    private static int length(Dispenser d, String text) throws ConfigException {
        int bits = Integer.parseInt(text.substring(text.indexOf('/') + 1));
        if (bits % 8 != 0 || bits < 32 || bits > 96) {
            throw d.pluginErr("invalid prefix length \"" + text + "\" (32, 40, 48, 56, 64 or 96)");
        }
        return bits;
    }
}
