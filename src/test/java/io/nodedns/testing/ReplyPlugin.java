package io.nodedns.testing;

import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.Result;
import io.nodedns.wire.DnsHeader;
import java.io.IOException;
import java.util.function.Function;
import org.xbill.DNS.Message;

/**
 * A test-only handler that answers every query with the message {@code reply} makes of it (dnsjava,
 * so it allocates: for tests of what other plugins do with a reply, not of the hot path). A query
 * dnsjava cannot parse gets SERVFAIL.
 */
public class ReplyPlugin implements Handler {
    private final String name;
    private final Function<Message, Message> reply;

    public ReplyPlugin(String name, Function<Message, Message> reply) {
        this.name = name;
        this.reply = reply;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int serve(Exchange ex) {
        try {
            byte[] wire = new byte[ex.requestLength()];
            ex.request().getBytes(0, wire);
            byte[] out = reply.apply(new Message(wire)).toWire();
            ex.response().putBytes(0, out);
            ex.written(out.length, name);
            return Result.WRITTEN;
        } catch (IOException e) {
            return DnsHeader.RCODE_SERVFAIL;
        }
    }
}
