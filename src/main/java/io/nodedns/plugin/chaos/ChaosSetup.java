package io.nodedns.plugin.chaos;

import io.nodedns.Version;
import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.net.HostName;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code chaos [VERSION] [AUTHORS...]} (CoreDNS plugin/chaos): no arguments answers with
 * nodedns's version and authors, one sets the version, more set the version and the authors
 * (sorted, duplicates dropped). Every text is cut to 255 bytes, as one TXT string holds.
 */
public final class ChaosSetup implements PluginSetup {
    /** authors.bind without arguments: nodedns has no OWNERS file to list, so it names the project. */
    static final List<String> DEFAULT_AUTHORS = List.of("nodedns authors");

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ChaosConfig config = parse(ctx.once().dispenser(), HostName.get());
        ctx.allowAnyClass(); // the queries are class CH
        ctx.addHandler(new ChaosHandler(config));
    }

    static ChaosConfig parse(Dispenser d, String hostname) throws ConfigException {
        d.next();
        List<String> args = d.remainingArgs();
        if (d.nextBlock()) {
            throw d.pluginErr("takes no block, only [VERSION] [AUTHORS...]");
        }
        String version = args.isEmpty() ? "nodedns-" + Version.get() : args.getFirst();
        List<String> authors = DEFAULT_AUTHORS;
        if (args.size() > 1) {
            TreeSet<String> sorted = new TreeSet<>();
            for (String author : args.subList(1, args.size())) {
                sorted.add(trim(author));
            }
            authors = List.copyOf(sorted);
        }
        return new ChaosConfig(trim(version), authors, trim(hostname));
    }

    /** At most 255 bytes (one character-string), cut on a character boundary. */
    static String trim(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 255) {
            return s;
        }
        int end = 255;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // do not split a multi-byte character
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
