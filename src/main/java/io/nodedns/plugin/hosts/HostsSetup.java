package io.nodedns.plugin.hosts;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Fallthrough;
import io.nodedns.config.FileContentException;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.log.Log;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code hosts [FILE [ZONES...]] { INLINE...; ttl; no_reverse; reload; fallthrough; fallthrough_unsupported }}
 * (CoreDNS plugin/hosts), once per block. As in CoreDNS, any unknown line before {@code fallthrough} is an
 * inline hosts entry and one after it is an error.
 */
public final class HostsSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        HostsConfig config = parse(ctx.once().dispenser(), ctx.zones());
        HostsSource source;
        try {
            source = new HostsSource(config);
        } catch (FileContentException e) {
            String message = "plugin/hosts: " + e.getMessage() + " (hosts file " + e.file + ")";
            if (e.line > 0) {
                throw new ConfigException(e.file, e.line, message);
            }
            throw new ConfigException(ctx.once().nameToken(), message);
        } catch (IOException e) {
            throw ctx.once().pluginErr(ctx.once().nameToken(), e.getMessage());
        }
        ctx.addHandler(new HostsHandler(source));
        ctx.addMetrics(new HostsMetrics(source));
        ctx.addLifecycle(source);
    }

    /** Parses one occurrence; the dispenser stands before the directive name. */
    static HostsConfig parse(Dispenser d, List<String> blockZones) throws ConfigException {
        d.next();
        List<Token> args = d.remainingArgTokens();
        if (!args.isEmpty() && args.getLast().text().equals("{}") && !args.getLast().quoted()) {
            args = args.subList(0, args.size() - 1); // "hosts {}": an empty block, not a file
        }
        Path file = Path.of(HostsConfig.DEFAULT_FILE);
        List<String> origins = new ArrayList<>(blockZones);
        if (!args.isEmpty()) {
            file = Path.of(args.getFirst().text());
            checkFile(args.getFirst(), file);
            if (args.size() > 1) {
                origins.clear();
                for (Token zone : args.subList(1, args.size())) {
                    origins.addAll(Zones.normalize(zone));
                }
            }
        }
        List<String> inline = new ArrayList<>();
        int ttl = HostsConfig.DEFAULT_TTL;
        boolean autoReverse = true;
        Duration reload = HostsConfig.DEFAULT_RELOAD;
        Fallthrough fallthrough = null;
        Token unsupported = null;
        while (d.nextBlock()) {
            switch (d.val()) {
                case "fallthrough" -> fallthrough = Fallthrough.parse(d);
                case "fallthrough_unsupported" -> {
                    d.requireNoMoreArgs();
                    unsupported = d.token();
                }
                case "no_reverse" -> {
                    d.requireNoMoreArgs();
                    autoReverse = false;
                }
                case "ttl" -> ttl = ttl(d);
                case "reload" -> reload = reload(d);
                default -> {
                    if (fallthrough != null) {
                        throw d.unknownProperty();
                    }
                    StringBuilder line = new StringBuilder(d.val());
                    for (String arg : d.remainingArgs()) {
                        line.append(' ').append(arg);
                    }
                    if (d.blockFollows()) {
                        throw d.pluginErr("unexpected block after '" + line + "'");
                    }
                    inline.add(line.toString());
                }
            }
        }
        if (unsupported != null && fallthrough == null) {
            throw d.pluginErr(unsupported, "fallthrough_unsupported requires fallthrough");
        }
        return new HostsConfig(file, List.copyOf(origins), List.copyOf(inline), ttl, autoReverse, reload,
                fallthrough == null ? Fallthrough.NEVER : fallthrough, unsupported != null);
    }

    private static int ttl(Dispenser d) throws ConfigException {
        List<String> args = d.remainingArgs();
        if (args.isEmpty()) {
            throw d.pluginErr("ttl needs a time in second");
        }
        int ttl;
        try {
            ttl = Integer.parseInt(args.getFirst());
        } catch (NumberFormatException e) {
            throw d.pluginErr("ttl needs a number of second");
        }
        if (ttl <= 0 || ttl > 65535) {
            throw d.pluginErr("ttl provided is invalid");
        }
        return ttl;
    }

    /** CoreDNS's texts: {@code reload needs a duration ...}, {@code invalid [negative] duration for reload 'D'}. */
    private static Duration reload(Dispenser d) throws ConfigException {
        List<Token> args = d.remainingArgTokens();
        if (args.size() != 1) {
            throw d.pluginErr("reload needs a duration (zero seconds to disable)");
        }
        Token t = args.getFirst();
        Duration reload = d.duration(t, "invalid duration for reload '" + t.text() + "': ");
        if (reload.isNegative()) {
            throw d.pluginErr(t, "invalid negative duration for reload '" + t.text() + "'");
        }
        return reload;
    }

    /** A missing file or a directory is only a warning; any other access problem is an error. */
    private static void checkFile(Token at, Path file) throws ConfigException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (attributes.isDirectory()) {
                Log.warning("hosts", "Hosts file \"" + file + "\" is a directory");
            }
        } catch (NoSuchFileException e) {
            Log.warning("hosts", "File does not exist: " + file);
        } catch (IOException e) {
            throw ConfigException.plugin("hosts", at, "unable to access hosts file '" + file + "': " + e.getMessage());
        }
    }
}
