package io.nodedns.plugin.k8sexternal;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Fallthrough;
import io.nodedns.config.Token;
import io.nodedns.k8s.dns.DiscoveryOptions;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code k8s_external [ZONES...] { apex APEX; ttl TTL; headless; fallthrough [ZONES...] }}, once per
 * block, in a block that also has {@code kubernetes} (whose view it answers from, as CoreDNS's does).
 */
public final class K8sExternalSetup implements PluginSetup {
    static final String NAME = "k8s_external";
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Dispenser d = ctx.once().dispenser();
        d.next();
        Token at = d.token();
        List<String> zones = d.zoneArgs(ctx.zones());
        String apex = "dns";
        long ttl = 5;
        boolean headless = false;
        Fallthrough fallthrough = Fallthrough.NEVER;
        while (d.nextBlock()) {
            switch (d.val()) {
                case "apex" -> {
                    apex = d.requireArg().toLowerCase(java.util.Locale.ROOT);
                    d.requireNoMoreArgs();
                    if (!LABEL.matcher(apex).matches()) { // CoreDNS counts the apex as one label
                        throw d.pluginErr("apex must be one DNS label: '" + apex + "'");
                    }
                }
                case "ttl" -> ttl = DiscoveryOptions.ttl(d);
                case "headless" -> headless = d.flag();
                case "fallthrough" -> fallthrough = Fallthrough.parse(d);
                default -> throw d.unknownProperty();
            }
        }
        if (!ctx.block().directiveNames().contains("kubernetes")) {
            throw new ConfigException(at,
                    "plugin/k8s_external: kubernetes plugin not loaded (it needs one in the same server block)");
        }
        K8sExternalHandler handler = new K8sExternalHandler(
                new K8sExternalHandler.Settings(zones, apex, ttl, headless, fallthrough),
                ctx.blockHandlers());
        ctx.addLifecycle(handler);
        ctx.addHandler(handler);
    }
}
