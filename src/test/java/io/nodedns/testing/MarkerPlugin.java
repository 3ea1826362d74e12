package io.nodedns.testing;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
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
public final class MarkerPlugin extends ReplyPlugin {
    public static final String NAME = "marker";

    MarkerPlugin(String text, int count) {
        super(NAME, request -> answer(request, text, count));
    }

    private static Message answer(Message request, String text, int count) {
        Message reply = new Message(request.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.AA);
        reply.addRecord(request.getQuestion(), Section.QUESTION);
        Name owner = request.getQuestion().getName();
        for (int i = 0; i < count; i++) {
            String value = count == 1 ? text : text + "-" + i;
            reply.addRecord(new TXTRecord(owner, request.getQuestion().getDClass(), 0, value), Section.ANSWER);
        }
        return reply;
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
