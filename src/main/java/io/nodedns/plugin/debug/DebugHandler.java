package io.nodedns.plugin.debug;

import io.nodedns.log.Log;
import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.wire.Names;
import java.util.Locale;
import org.xbill.DNS.Type;

/**
 * Logs the Java stack of every handler or hook failure in its block, with or without the errors
 * plugin: what a CoreDNS crash under debug prints, without the crash. Its hook runs after those
 * of the plugins below it, so it sees their failures too.
 */
final class DebugHandler extends HookHandler {
    DebugHandler() {
        super("debug");
    }

    @Override
    public void onResponse(Exchange ex) {
        Throwable failure = ex.failure();
        if (failure == null) {
            return;
        }
        String qname = Names.toString(ex.request(), ex.query().qnameOffset(), ex.query().qnameLength())
                .toLowerCase(Locale.ROOT);
        Log.error("debug", Log.withStack(qname + " " + Type.string(ex.query().qtype()) + ": " + ex.error(), failure));
    }
}
