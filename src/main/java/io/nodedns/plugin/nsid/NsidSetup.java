package io.nodedns.plugin.nsid;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.net.HostName;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.util.List;

/**
 * {@code nsid [DATA...]} (CoreDNS plugin/nsid, RFC 5001): the words of DATA joined by single
 * spaces, or the host name without arguments. Once per block.
 */
public final class NsidSetup implements PluginSetup {
    /** An EDNS option carries at most 65535 bytes, and the OPT must fit in a message with the rest. */
    static final int MAX_DATA = 512;

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.addHandler(new NsidHandler(parse(ctx.once().dispenser(), HostName.get()).bytes()));
    }

    /** Parses the occurrence (the dispenser stands before the name); {@code hostname} is the default DATA. */
    static NsidConfig parse(Dispenser d, String hostname) throws ConfigException {
        d.next();
        List<String> words = d.remainingArgs();
        NsidConfig config = new NsidConfig(words.isEmpty() ? hostname : String.join(" ", words));
        if (d.nextBlock()) {
            throw d.pluginErr("takes no block, only [DATA]");
        }
        int length = config.bytes().length;
        if (length > MAX_DATA) {
            throw d.pluginErr("DATA is " + length + " bytes, at most " + MAX_DATA);
        }
        return config;
    }
}
