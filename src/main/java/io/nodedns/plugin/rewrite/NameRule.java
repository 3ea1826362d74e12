package io.nodedns.plugin.rewrite;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import java.util.List;
import java.util.regex.Matcher;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code name [exact|prefix|suffix|substring|regex] FROM TO [answer ...]} (CoreDNS plugin/rewrite). Exact rules
 * compare wire names; the others work on the lower-case qname text. A matched rule that maps
 * names in the reply saves the names before and after it as its entry's aux bytes.
 */
final class NameRule extends Rule {
    final NameMatch match;
    private final DirectBuffer exactFrom;
    private final DirectBuffer exactTo;
    private final char[] replacement;
    private final Template template;
    /** Response operations in CoreDNS order (replayed in reverse). */
    final AnswerOp[] answers;
    /** True if some answer op needs the dnsjava path. */
    final boolean textual;

    NameRule(boolean stop, NameMatch match, String to, Template template, List<AnswerOp> answers) {
        super(stop);
        this.match = match;
        this.template = template;
        this.replacement = to == null ? null : to.toCharArray();
        this.answers = answers.toArray(AnswerOp[]::new);
        boolean text = false;
        for (AnswerOp op : this.answers) {
            text |= op.kind() != AnswerOp.Kind.REMAP;
        }
        this.textual = text;
        if (match.kind == NameMatch.Kind.EXACT) {
            this.exactFrom = wire(new String(match.pattern));
            this.exactTo = wire(to);
        } else {
            this.exactFrom = null;
            this.exactTo = null;
        }
    }

    private static DirectBuffer wire(String name) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
        int len = Names.fromString(name, b, 0);
        if (len < 0) {
            throw new IllegalArgumentException("invalid domain name: " + name);
        }
        return new UnsafeBuffer(b.byteArray(), 0, len);
    }

    @Override
    int request(Session s, int index) {
        MutableDirectBuffer req = s.ex.request();
        int qlen = s.query().qnameLength();
        DirectBuffer newName;
        int newLength;
        if (exactFrom != null) {
            if (qlen != exactFrom.capacity() || !Names.equalsIgnoreCase(req, DnsHeader.LENGTH, exactFrom, 0, qlen)) {
                return IGNORED;
            }
            newName = exactTo;
            newLength = exactTo.capacity();
        } else {
            Text name = s.nameText();
            if (!rewriteText(name, s.out)) {
                return IGNORED;
            }
            newLength = Names.fromString(s.out, s.wire, 0);
            if (newLength < 0) {
                return INVALID;
            }
            newName = s.wire;
        }
        s.touch();
        if (answers.length > 0) {
            // aux: the name before, then the name after this rule
            s.data.putBytes(0, req, DnsHeader.LENGTH, qlen);
            s.data.putBytes(qlen, newName, 0, newLength);
            s.entry(index, s.data, 0, qlen + newLength);
        }
        if (!RequestEditor.replaceQname(s.ex, newName, newLength)) {
            return INVALID;
        }
        s.nameChanged();
        return DONE;
    }

    /** Writes the rewritten text into {@code out}; false if the rule does not match. */
    boolean rewriteText(Text name, Text out) {
        out.clear();
        switch (match.kind) {
            case EXACT -> {
                if (!name.equalTo(match.pattern)) {
                    return false;
                }
                out.append(replacement);
            }
            case PREFIX -> {
                if (!name.startsWith(match.pattern)) {
                    return false;
                }
                out.append(replacement);
                out.append(name, match.pattern.length, name.length());
            }
            case SUFFIX -> {
                if (!name.endsWith(match.pattern)) {
                    return false;
                }
                out.append(name, 0, name.length() - match.pattern.length);
                out.append(replacement);
            }
            case SUBSTRING -> {
                int at = name.indexOf(match.pattern, 0);
                if (at < 0) {
                    return false;
                }
                int from = 0;
                while (at >= 0) {
                    out.append(name, from, at);
                    out.append(replacement);
                    from = at + match.pattern.length;
                    at = match.pattern.length == 0 ? -1 : name.indexOf(match.pattern, from);
                }
                out.append(name, from, name.length());
            }
            default -> {
                Matcher m = match.borrow(name);
                try {
                    if (!m.find()) {
                        return false;
                    }
                    template.expand(m, name, out);
                } finally {
                    match.giveBack(m);
                }
            }
        }
        return true;
    }
}
