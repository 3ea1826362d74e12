package io.nodedns.plugin.rewrite;

import io.nodedns.config.ConfigException;
import io.nodedns.server.Exchange;
import io.nodedns.server.SelfLookup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@code cname [exact|prefix|suffix|substring|regex] FROM TO} (CoreDNS plugin/rewrite cname_target.go):
 * the target of a CNAME in the reply's answer is rewritten, and the new target is asked for the
 * question's type through the server itself ({@link SelfLookup}, CoreDNS's pkg/upstream); the reply
 * becomes the CNAMEs up to the rewritten one, followed by the new target's answer. Like CoreDNS,
 * the rule applies to every query (it matches the reply, not the question), so a {@code stop}
 * cname rule ends the rule list.
 */
final class CnameRule extends Rule {
    /** The target mapping, the name rules' matchers and replacement. */
    private final NameRule target;

    private CnameRule(boolean stop, NameRule target) {
        super(stop);
        this.target = target;
    }

    /** CoreDNS newCNAMERule: {@code FROM TO} (exact) or {@code TYPE FROM TO}. */
    static Rule parse(boolean stop, RewriteSetup.Args a) throws ConfigException {
        if (a.size() < 2) {
            throw a.err(a.last(), "too few (" + a.size() + ") arguments for a cname rule");
        }
        if (a.size() > 3) {
            throw a.err(a.token(3), "too many (" + a.size() + ") arguments for a cname rule");
        }
        NameMatch.Kind kind = NameMatch.Kind.EXACT;
        if (a.size() == 3) {
            kind = NameMatch.kind(a.text(0));
            if (kind == null) {
                throw a.err(a.token(0), "unknown cname rewrite type: " + a.text(0).toLowerCase(Locale.ROOT));
            }
        }
        int from = a.size() - 2;
        try {
            return new CnameRule(stop, NameRules.mapping(stop, kind, a, from));
        } catch (IllegalArgumentException e) {
            throw a.err(a.token(from), e.getMessage() + " in a cname rule");
        }
    }

    @Override
    int request(Session s, int index) {
        s.entry(index, s.data, 0, 0);
        return DONE;
    }

    /**
     * Rewrites the first CNAME in {@code reply}'s answer whose target this rule maps and follows
     * the new target through the server; the reply as it was if none matches or the target cannot
     * be asked (CoreDNS logs and keeps it). Blocks: runs on a virtual thread.
     */
    Message apply(Exchange ex, Message reply, Text scratch, Text out) throws IOException {
        List<Record> answer = reply.getSection(Section.ANSWER);
        for (int i = 0; i < answer.size(); i++) {
            if (!(answer.get(i) instanceof CNAMERecord cname)) {
                continue;
            }
            WireText.toLowerText(new UnsafeBuffer(cname.getTarget().toWire()), 0, scratch);
            if (!target.rewriteText(scratch, out)) {
                continue;
            }
            Name to;
            try {
                to = Name.fromString(out.toString(), Name.root);
            } catch (TextParseException e) {
                ex.error("plugin/rewrite: invalid CNAME target after rewrite: " + out);
                return reply;
            }
            Message up = SelfLookup.lookup(ex, to, reply.getQuestion().getType());
            if (up == null) {
                ex.error("plugin/rewrite: lookup of rewritten CNAME target " + to + " failed");
                return reply;
            }
            List<Record> chain = new ArrayList<>();
            for (int k = 0; k < i; k++) {
                if (answer.get(k).getType() == Type.CNAME) { // CoreDNS keeps the CNAMEs before the rewritten one
                    chain.add(answer.get(k));
                }
            }
            chain.add(new CNAMERecord(cname.getName(), cname.getDClass(), cname.getTTL(), to));
            chain.addAll(up.getSection(Section.ANSWER));
            reply.removeAllRecords(Section.ANSWER);
            for (Record r : chain) {
                reply.addRecord(r, Section.ANSWER);
            }
            if (up.getHeader().getFlag(Flags.TC)) { // a truncated chain must not be cached as whole
                reply.getHeader().setFlag(Flags.TC);
            } else {
                reply.getHeader().unsetFlag(Flags.TC);
            }
            return reply;
        }
        return reply;
    }
}
