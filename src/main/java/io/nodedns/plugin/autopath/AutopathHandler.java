package io.nodedns.plugin.autopath;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.SelfLookup;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.ZoneSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Server-side search path completion (CoreDNS plugin/autopath): a question below the client's first
 * search domain is what a stub resolver asks first for a short name, so the short name is tried
 * with each search domain in turn, then as it is, down the rest of the chain; the first reply that
 * is not NXDOMAIN goes back with a CNAME from the asked name to the found one. Saves the client
 * the round trips of its search list (with Kubernetes' ndots:5, up to five per external name).
 *
 * <p>Only those questions leave the calling thread: the lookups block and allocate, so they run on
 * a virtual thread ({@link SelfLookup}). Every other query costs a zone match and, with
 * {@code @kubernetes}, one lookup of the client's IP, without allocating.
 */
final class AutopathHandler extends ChainHandler {
    private final ZoneSet zones;
    private final LongAdder success;
    /** Set at setup for a file, once the block is set up for {@code @kubernetes}. */
    private volatile SearchPath search;

    AutopathHandler(List<String> zones, SearchPath search, LongAdder success) {
        super("autopath");
        this.zones = ZoneSet.of(zones);
        this.search = search;
        this.success = success;
    }

    void search(SearchPath s) {
        this.search = s;
    }

    @Override
    public int serve(Exchange ex) {
        SearchPath s = search;
        if (s == null || !zones.contains(ex.query()) || !s.matches(ex)) {
            return next(ex);
        }
        return SelfLookup.answerOffLoop(ex, "autopath", () -> walk(ex, s));
    }

    /**
     * CoreDNS's ServeDNS loop: the base name (the question without the first search domain) with
     * each domain of the path, through the rest of the chain. The first reply that is neither
     * NXDOMAIN nor a refusal (REFUSED, FORMERR, NOTIMP: what CoreDNS's ClientWrite skips) is the
     * answer, with {@link #cnamer}; if none is, the first reply (the question as asked). A lookup
     * that fails (SERVFAIL, no reply) ends the walk with SERVFAIL, as a plugin error does in
     * CoreDNS. Null for SERVFAIL.
     */
    private byte[] walk(Exchange ex, SearchPath s) throws IOException {
        if (nextHandler() == null) {
            ex.error("plugin/autopath: no next plugin found");
            return null;
        }
        byte[] request = new byte[ex.requestLength()];
        ex.request().getBytes(0, request);
        Message query = new Message(request);
        Record question = query.getQuestion();
        Name asked = question.getName();
        List<Name> path = s.of(ex, asked);
        if (path == null) { // the client's pod changed since serve(): its query as it is
            return SelfLookup.askRest(ex, nextHandler());
        }
        Name base = asked.relativize(path.getFirst());
        byte[] first = null;
        for (int i = 0; i < path.size(); i++) {
            Name candidate;
            try {
                candidate = Name.concatenate(base, path.get(i));
            } catch (NameTooLongException e) {
                continue; // no such name can exist
            }
            query.removeAllRecords(Section.QUESTION);
            query.addRecord(Record.newRecord(candidate, question.getType(), question.getDClass()), Section.QUESTION);
            byte[] wire = SelfLookup.ask(ex, nextHandler(), query.toWire());
            if (wire == null) {
                return null;
            }
            if (i == 0) {
                first = wire;
            }
            if (wire.length < DnsHeader.LENGTH) {
                return null;
            }
            // the header's rcode: a reply that is skipped (most of a walk) is never parsed. Its 4 bits
            // only: the extended rcodes a plain query can get (BADVERS 16, BADCOOKIE 23, RFC 6891/7873)
            // read as 0 and 7, neither one a walk skips
            int rcode = wire[3] & DnsHeader.RCODE_MASK;
            if (rcode == Rcode.SERVFAIL) {
                return null;
            }
            if (rcode == Rcode.NXDOMAIN || rcode == Rcode.REFUSED || rcode == Rcode.FORMERR
                    || rcode == Rcode.NOTIMP) {
                continue;
            }
            success.increment();
            return cnamer(new Message(wire), question).toWire();
        }
        return first;
    }

    /**
     * CoreDNS's cnamer: a CNAME from the asked name to the owner of the first answer record that
     * has another name, ahead of the answer (its TTL that record's), and the asked question back.
     */
    static Message cnamer(Message reply, Record question) {
        Name asked = question.getName();
        List<Record> answer = new ArrayList<>(reply.getSection(Section.ANSWER));
        for (Record r : answer) {
            if (!r.getName().equals(asked)) {
                reply.removeAllRecords(Section.ANSWER);
                reply.addRecord(new CNAMERecord(asked, DClass.IN, r.getTTL(), r.getName()), Section.ANSWER);
                for (Record a : answer) {
                    reply.addRecord(a, Section.ANSWER);
                }
                break;
            }
        }
        reply.removeAllRecords(Section.QUESTION);
        reply.addRecord(question, Section.QUESTION);
        return reply;
    }
}
