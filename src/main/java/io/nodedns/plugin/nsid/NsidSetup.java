package io.nodedns.plugin.nsid;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.net.HostName;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.nio.charset.StandardCharsets;

/**
 * {@code nsid [DATA...]} (CoreDNS plugin/nsid, RFC 5001): the words of DATA joined by single
 * spaces, or the host name without arguments. Once per block.
 */
public final class NsidSetup implements PluginSetup {
    /** An EDNS option carries at most 65535 bytes, and the OPT must fit in a message with the rest. */
    static final int MAX_DATA = 512;

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        ctx.addHandler(new NsidHandler(parse(ctx.once().dispenser(), HostName.get())));
    }

    static byte[] parse(Dispenser d, String hostname) throws ConfigException {
        d.next();
        java.util.List<String> words = d.remainingArgs();
        String data = words.isEmpty() ? hostname : String.join(" ", words);
        if (d.nextBlock()) {
            throw d.pluginErr("takes no block, only [DATA]");
        }
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_DATA) {
            throw d.pluginErr("DATA is " + bytes.length + " bytes, at most " + MAX_DATA);
        }
        return bytes;
    }
}
