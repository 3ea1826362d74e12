package io.nodedns.plugin.loadbalance;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Token;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code loadbalance [round_robin | weighted FILE [{ reload DURATION }]] [{ prefer CIDR... }]}
 * (CoreDNS plugin/loadbalance). The weighted policy is parsed (so mistakes are reported as CoreDNS would) and then
 * rejected as not supported yet.
 */
public final class LoadbalanceSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.addHandler(new LoadbalanceHandler(parse(ctx.once().dispenser())));
    }

    /** Parses one occurrence (the dispenser stands before the name) into its preferred subnets. */
    static PreferredSubnets parse(Dispenser d) throws ConfigException {
        d.next();
        List<Token> args = d.remainingArgTokens();
        if (!args.isEmpty() && args.getLast().text().equals("{}") && !args.getLast().quoted()) {
            args = args.subList(0, args.size() - 1); // "loadbalance {}": an empty block
        }
        if (!args.isEmpty()) {
            Token policy = args.getFirst();
            switch (policy.text()) {
                case "round_robin" -> {
                    if (args.size() > 1) {
                        throw d.pluginErr(policy, "unknown property for round_robin");
                    }
                }
                case "weighted" -> weighted(d, policy, args);
                default -> throw d.pluginErr(policy, "unknown policy: " + policy.text());
            }
        }
        List<byte[]> networks = new ArrayList<>();
        List<Integer> bits = new ArrayList<>();
        while (d.nextBlock()) {
            if (!d.val().equals("prefer")) {
                throw d.pluginErr("unknown property '" + d.val() + "'");
            }
            while (d.nextArg()) {
                int[] prefix = new int[1];
                byte[] network = PreferredSubnets.parseNetwork(d.val(), prefix);
                if (network == null) {
                    throw d.pluginErr("invalid CIDR \"" + d.val() + "\"");
                }
                networks.add(network);
                bits.add(prefix[0]);
            }
        }
        return networks.isEmpty() ? PreferredSubnets.NONE : PreferredSubnets.of(networks, bits);
    }

    /** Checks the weighted form like CoreDNS, then refuses it: nodedns has no weight files yet. */
    private static void weighted(Dispenser d, Token policy, List<Token> args) throws ConfigException {
        if (args.size() < 2) {
            throw d.pluginErr(policy, "missing weight file argument");
        }
        if (args.size() > 2) {
            throw d.pluginErr(policy, "unexpected argument(s)");
        }
        while (d.nextBlock()) {
            if (!d.val().equals("reload")) {
                throw d.pluginErr("unknown property '" + d.val() + "'");
            }
            List<String> t = d.remainingArgs();
            if (t.size() != 1) {
                throw d.pluginErr((t.isEmpty() ? "reload duration value is missing" : "unexpected argument"));
            }
        }
        throw d.pluginErr(policy, "the weighted policy is not supported yet by nodedns (use round_robin)");
    }
}
