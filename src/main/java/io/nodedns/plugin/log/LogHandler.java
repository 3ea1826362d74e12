package io.nodedns.plugin.log;

import io.nodedns.log.Log;
import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.server.ScratchPool;
import io.nodedns.wire.Names;
import io.nodedns.wire.RecordWalker;
import java.util.List;
import java.util.Locale;

/**
 * Logs one line per query, after the reply is known (CoreDNS plugin/log): the first rule whose names cover
 * the query decides the format and which response classes are printed.
 */
public final class LogHandler extends HookHandler {
    private final List<LogRule> rules;
    private final ScratchPool<RecordWalker> walkers = new ScratchPool<>(RecordWalker::new);

    LogHandler(List<LogRule> rules) {
        super("log");
        this.rules = List.copyOf(rules);
    }

    @Override
    public void onResponse(Exchange ex) {
        String qname = Names.toString(ex.request(), ex.query().qnameOffset(), ex.query().qnameLength())
                .toLowerCase(Locale.ROOT);
        for (LogRule rule : rules) {
            if (!rule.covers(qname)) {
                continue;
            }
            RecordWalker walker = walkers.borrow();
            ResponseClass cls = ResponseClass.of(ex.response(), ex.responseLength(), walker);
            walkers.giveBack(walker);
            ex.metadata("log/class", cls.label()); // CoreDNS's log publishes the class it filtered on
            if (rule.classes().contains(cls)) {
                Log.raw("[INFO] " + rule.format().render(ex));
            }
            return;
        }
    }
}
