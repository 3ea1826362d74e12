package io.nodedns.plugin.rewrite;

import io.nodedns.wire.Names;
import java.io.IOException;
import java.util.List;
import org.agrona.DirectBuffer;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DNAMERecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NAPTRRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;

/**
 * The slow path for regex and suffix answer rules ({@code answer name}, {@code answer value},
 * suffix {@code answer auto}): the reply is parsed with dnsjava, every name op of the matched name
 * rules runs per record (authority, answer, additional, as CoreDNS walks them) in reverse rule
 * order, and the reply is written back. Only queries whose rule asked for these pay for it.
 * Names are text as CoreDNS's rewrite sees a record's name (miekg/dns's escapes, case kept).
 */
final class TextAnswers {
    private static final int[] SECTIONS = {Section.AUTHORITY, Section.ANSWER, Section.ADDITIONAL};

    private TextAnswers() {}

    /** Returns the rewritten reply, or null if it could not be parsed or a name became invalid. */
    static byte[] apply(Rule[] rules, DirectBuffer state, byte[] reply) {
        try {
            Message in = new Message(reply);
            Message out = header(in);
            for (Record q : in.getSection(Section.QUESTION)) {
                out.addRecord(q, Section.QUESTION);
            }
            int count = ExchangeState.entryCount(state);
            String[] rewritten = new String[count];
            String[] original = new String[count];
            for (int i = 0; i < count; i++) {
                if (rules[ExchangeState.rule(state, i)] instanceof NameRule) {
                    int aux = ExchangeState.auxOffset(state, i);
                    int beforeLen = Names.uncompressedLength(state, aux, aux + Names.MAX_NAME_LENGTH);
                    int after = aux + beforeLen;
                    original[i] = Names.toCoreDnsText(state, aux, beforeLen);
                    rewritten[i] = Names.toCoreDnsText(state, after,
                            Names.uncompressedLength(state, after, after + Names.MAX_NAME_LENGTH));
                }
            }
            // CoreDNS walks authority, answer, additional; the sections keep their own order.
            Record[][] mapped = new Record[4][];
            for (int section : SECTIONS) {
                List<Record> records = in.getSection(section);
                mapped[section] = new Record[records.size()];
                for (int k = 0; k < records.size(); k++) {
                    mapped[section][k] = map(rules, state, records.get(k), rewritten, original);
                }
            }
            for (int section = Section.ANSWER; section <= Section.ADDITIONAL; section++) {
                for (Record r : mapped[section]) {
                    out.addRecord(r, section);
                }
            }
            return out.toWire();
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** A message with the reply's ID, flags, opcode and rcode and no records yet. */
    private static Message header(Message in) {
        Message m = new Message(in.getHeader().getID());
        org.xbill.DNS.Header h = in.getHeader();
        for (int flag = 0; flag < 16; flag++) {
            if (org.xbill.DNS.Flags.isFlag(flag) && h.getFlag(flag)) {
                m.getHeader().setFlag(flag);
            }
        }
        m.getHeader().setOpcode(h.getOpcode());
        m.getHeader().setRcode(h.getRcode());
        return m;
    }

    private static Record map(Rule[] rules, DirectBuffer state, Record r, String[] rewritten, String[] original)
            throws TextParseException {
        String owner = WireText.toText(r.getName());
        String value = valueOf(r);
        for (int i = ExchangeState.entryCount(state) - 1; i >= 0; i--) {
            if (!(rules[ExchangeState.rule(state, i)] instanceof NameRule rule)) {
                continue;
            }
            for (int k = rule.answers.length - 1; k >= 0; k--) {
                AnswerOp op = rule.answers[k];
                if (op.value()) {
                    value = value == null ? null : op.apply(value, rewritten[i], original[i]);
                } else {
                    owner = op.apply(owner, rewritten[i], original[i]);
                }
            }
        }
        Name newOwner = Name.fromString(fqdn(owner));
        Record result = newOwner.equals(r.getName()) ? r : r.withName(newOwner);
        if (value != null && !value.equals(valueOf(r))) {
            result = withValue(result, Name.fromString(fqdn(value)));
        }
        return result;
    }

    private static String fqdn(String s) {
        return s.endsWith(".") ? s : s + ".";
    }

    /** The name CoreDNS's value rules look at, or null for other types. */
    private static String valueOf(Record r) {
        Name n = switch (r) {
            case CNAMERecord c -> c.getTarget();
            case DNAMERecord d -> d.getTarget();
            case NSRecord ns -> ns.getTarget();
            case PTRRecord p -> p.getTarget();
            case MXRecord mx -> mx.getTarget();
            case SRVRecord srv -> srv.getTarget();
            case SOARecord soa -> soa.getHost();
            case NAPTRRecord naptr -> naptr.getReplacement();
            default -> null;
        };
        return n == null ? null : WireText.toText(n);
    }

    private static Record withValue(Record r, Name v) {
        Name o = r.getName();
        int c = r.getDClass();
        long t = r.getTTL();
        return switch (r) {
            case CNAMERecord x -> new CNAMERecord(o, c, t, v);
            case DNAMERecord x -> new DNAMERecord(o, c, t, v);
            case NSRecord x -> new NSRecord(o, c, t, v);
            case PTRRecord x -> new PTRRecord(o, c, t, v);
            case MXRecord x -> new MXRecord(o, c, t, x.getPriority(), v);
            case SRVRecord x -> new SRVRecord(o, c, t, x.getPriority(), x.getWeight(), x.getPort(), v);
            case SOARecord x -> new SOARecord(o, c, t, v, x.getAdmin(), x.getSerial(), x.getRefresh(), x.getRetry(),
                    x.getExpire(), x.getMinimum());
            case NAPTRRecord x -> new NAPTRRecord(o, c, t, x.getOrder(), x.getPreference(), x.getFlags(),
                    x.getService(), x.getRegexp(), v);
            default -> r;
        };
    }
}
