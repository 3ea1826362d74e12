package io.nodedns.plugin.loadbalance;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.FileContentException;
import io.nodedns.config.GoDuration;
import io.nodedns.config.Token;
import io.nodedns.log.Log;
import io.nodedns.server.Periodic;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code loadbalance [round_robin | weighted WEIGHTFILE] [{ reload DURATION; prefer CIDR... }]}
 * (CoreDNS plugin/loadbalance). A weight file is read at setup, so a malformed one fails the load
 * with its file:line; one that is not there yet only warns while a reload interval will look again.
 */
public final class LoadbalanceSetup implements PluginSetup {
    private static final String P = "plugin/loadbalance: ";
    static final Duration DEFAULT_RELOAD = Duration.ofSeconds(30);

    /** One occurrence: its preferred subnets and, for the weighted policy, its weight file (else null). */
    record Config(PreferredSubnets prefer, Path weightFile, Duration reload) {
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Directive once = ctx.once();
        Config config = parse(once.dispenser());
        WeightFile weights = null;
        if (config.weightFile() != null) {
            weights = new WeightFile(config.weightFile());
            load(weights, config, once.nameToken());
            ctx.addLifecycle(new Periodic("nodedns-loadbalance-weights", config.reload(), weights::refresh));
        }
        ctx.addHandler(new LoadbalanceHandler(config.prefer(), weights));
    }

    /** Parses one occurrence (the dispenser stands before the name). */
    static Config parse(Dispenser d) throws ConfigException {
        d.next();
        List<Token> args = d.remainingArgTokens();
        if (!args.isEmpty() && args.getLast().text().equals("{}") && !args.getLast().quoted()) {
            args = args.subList(0, args.size() - 1); // "loadbalance {}": an empty block
        }
        Path file = null;
        if (!args.isEmpty()) {
            Token policy = args.getFirst();
            switch (policy.text()) {
                case "round_robin" -> {
                    if (args.size() > 1) {
                        throw d.pluginErr(policy, "unknown property for round_robin");
                    }
                }
                case "weighted" -> file = weightFile(policy, args);
                default -> throw d.pluginErr(policy, "unknown policy: " + policy.text());
            }
        }
        Duration reload = DEFAULT_RELOAD;
        List<byte[]> networks = new ArrayList<>();
        List<Integer> bits = new ArrayList<>();
        while (d.nextBlock()) {
            switch (d.val()) {
                case "prefer" -> prefer(d, networks, bits);
                case "reload" -> {
                    if (file == null) {
                        throw d.pluginErr("unknown property 'reload'");
                    }
                    reload = reload(d);
                }
                default -> throw d.unknownProperty();
            }
        }
        PreferredSubnets prefer = networks.isEmpty() ? PreferredSubnets.NONE : PreferredSubnets.of(networks, bits);
        return new Config(prefer, file, reload);
    }

    private static void prefer(Dispenser d, List<byte[]> networks, List<Integer> bits) throws ConfigException {
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

    /** CoreDNS joins a relative path to the root plugin's directory; nodedns has no root plugin, so it stays relative to the working directory. */
    private static Path weightFile(Token policy, List<Token> args) throws ConfigException {
        if (args.size() < 2) {
            throw ConfigException.plugin("loadbalance", policy, "missing weight file argument");
        }
        if (args.size() > 2) {
            throw ConfigException.plugin("loadbalance", policy, "unexpected argument(s)");
        }
        try {
            return Path.of(args.get(1).text());
        } catch (InvalidPathException e) {
            throw ConfigException.plugin("loadbalance", args.get(1),
                    "invalid weight file name '" + args.get(1).text() + "'");
        }
    }

    /** CoreDNS's texts: {@code reload duration value is missing}, {@code unexpected argument}, {@code invalid reload duration 'D'}. */
    private static Duration reload(Dispenser d) throws ConfigException {
        if (!d.nextArg()) {
            throw d.pluginErr("reload duration value is missing");
        }
        Token t = d.token();
        if (d.nextArg()) {
            throw d.pluginErr("unexpected argument");
        }
        String invalid = "invalid reload duration '" + t.text() + "'";
        Duration reload = d.duration(t, invalid + ": ");
        if (reload.isNegative()) {
            throw d.pluginErr(t, invalid);
        }
        return reload;
    }

    /** Reads the weight file now: a bad line fails the load at the file's line, a missing file only if nothing will look again. */
    private static void load(WeightFile weights, Config config, Token at) throws ConfigException {
        try {
            weights.load();
        } catch (FileContentException e) {
            throw new ConfigException(e.file, e.line,
                    P + e.getMessage() + " (loadbalance at " + at.file() + ":" + at.line() + ")");
        } catch (IOException e) {
            if (config.reload().isZero()) {
                throw ConfigException.plugin("loadbalance", at,
                        "cannot read weight file " + config.weightFile() + ": " + e.getMessage());
            }
            Log.warning("loadbalance", "Failed to open weight file " + config.weightFile() + ": " + e.getMessage()
                    + "; trying again in " + GoDuration.format(config.reload()));
        }
    }
}
