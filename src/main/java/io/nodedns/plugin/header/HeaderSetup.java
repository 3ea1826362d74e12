package io.nodedns.plugin.header;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import io.nodedns.wire.DnsHeader;
import java.util.List;
import java.util.Locale;

/**
 * {@code header { [SELECTOR] ACTION FLAGS... }} (CoreDNS plugin/header): SELECTOR {@code query} or
 * {@code response} (missing: response, CoreDNS's older form), ACTION {@code set} or
 * {@code clear}, FLAGS among {@code aa}, {@code ra}, {@code rd}. At least one rule; once per block.
 */
public final class HeaderSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.addHandler(new HeaderHandler(parse(ctx.once().dispenser())));
    }

    static HeaderConfig parse(Dispenser d) throws ConfigException {
        d.next();
        d.requireNoMoreArgs();
        int[] masks = new int[4]; // query set, query clear, response set, response clear
        boolean any = false;
        while (d.nextBlock()) {
            String first = d.val().toLowerCase(Locale.ROOT);
            boolean query = first.equals("query");
            String action = first;
            if (query || first.equals("response")) {
                action = d.requireArg().toLowerCase(Locale.ROOT);
            }
            int base = query ? 0 : 2;
            boolean set = switch (action) {
                case "set" -> true;
                case "clear" -> false;
                default -> throw d.pluginErr("unknown flag action=" + action + ", should be set or clear");
            };
            List<String> flags = d.remainingArgs();
            if (flags.isEmpty()) {
                throw d.pluginErr("invalid length for flags, at least one should be provided");
            }
            for (String name : flags) {
                int flag = switch (name.toLowerCase(Locale.ROOT)) {
                    case "aa" -> DnsHeader.AA;
                    case "ra" -> DnsHeader.RA;
                    case "rd" -> DnsHeader.RD;
                    default -> throw d.pluginErr("unknown/unsupported flag=" + name.toLowerCase(Locale.ROOT));
                };
                masks[base + (set ? 0 : 1)] |= flag;
                masks[base + (set ? 1 : 0)] &= ~flag;
            }
            any = true;
        }
        if (!any) {
            throw d.argErr();
        }
        return new HeaderConfig(masks[0], masks[1], masks[2], masks[3]);
    }
}
