package io.nodedns.testing;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.Result;
import io.nodedns.server.SetupContext;
import io.nodedns.wire.DnsHeader;
import java.io.IOException;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * Test-only plugin {@code marker TEXT [COUNT]}: answers every query with a TXT record holding TEXT
 * (or COUNT records TEXT-0, TEXT-1, ...), so a routing test can see which server block got a query
 * and a truncation test can get a large reply. Registered only by {@link TestServer}.
 */
public final class MarkerPlugin implements Handler {
    public static final String NAME = "marker";
    private final String text;
    private final int count;

    MarkerPlugin(String text, int count) {
        this.text = text;
        this.count = count;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int serve(Exchange ex) {
        try {
            byte[] wire = new byte[ex.requestLength()];
            ex.request().getBytes(0, wire);
            Message request = new Message(wire);
            Message reply = new Message(request.getHeader().getID());
            reply.getHeader().setFlag(Flags.QR);
            reply.getHeader().setFlag(Flags.AA);
            reply.addRecord(request.getQuestion(), Section.QUESTION);
            Name owner = request.getQuestion().getName();
            for (int i = 0; i < count; i++) {
                String value = count == 1 ? text : text + "-" + i;
                reply.addRecord(new TXTRecord(owner, request.getQuestion().getDClass(), 0, value), Section.ANSWER);
            }
            byte[] out = reply.toWire();
            ex.response().putBytes(0, out);
            ex.written(out.length, NAME);
            return Result.WRITTEN;
        } catch (IOException e) {
            return DnsHeader.RCODE_SERVFAIL;
        }
    }

    public static final PluginSetup SETUP = (SetupContext ctx) -> {
        Dispenser d = ctx.once().dispenser();
        d.next();
        if (!d.nextArg()) {
            throw d.argErr();
        }
        String text = d.val();
        int count = 1;
        if (d.nextArg()) {
            count = Integer.parseInt(d.val());
        }
        ctx.addHandler(new MarkerPlugin(text, count));
    };

}
