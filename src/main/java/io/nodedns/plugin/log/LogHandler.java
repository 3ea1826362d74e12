package io.nodedns.plugin.log;

import io.nodedns.log.Log;
import io.nodedns.server.Exchange;
import io.nodedns.server.HookHandler;
import io.nodedns.server.ScratchPool;
import io.nodedns.wire.RecordWalker;
import io.nodedns.wire.ZoneSet;
import java.util.List;

/**
 * Logs one line per query, after the reply is known (CoreDNS plugin/log): the first rule whose names cover
 * the query decides the format and which response classes are printed.
 */
public final class LogHandler extends HookHandler {
    private final List<LogRule> rules;
    /** Each rule's zones in wire form: which rule covers a query is found on its bytes, no string. */
    private final ZoneSet[] ruleZones;
    private final ScratchPool<RecordWalker> walkers = new ScratchPool<>(RecordWalker::new);

    LogHandler(List<LogRule> rules) {
        super("log");
        this.rules = List.copyOf(rules);
        this.ruleZones = new ZoneSet[rules.size()];
        for (int i = 0; i < ruleZones.length; i++) {
            ruleZones[i] = ZoneSet.of(rules.get(i).zones());
        }
    }

    @Override
    public void onResponse(Exchange ex) {
        for (int i = 0; i < ruleZones.length; i++) {
            if (!ruleZones[i].contains(ex.query())) {
                continue;
            }
            LogRule rule = rules.get(i);
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
