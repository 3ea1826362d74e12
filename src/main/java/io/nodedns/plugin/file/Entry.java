package io.nodedns.plugin.file;

import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * One name of a zone snapshot: a name that owns records, or an empty non-terminal (a name that
 * owns nothing but has names below it). Filled once by {@link ZoneCompiler} and then only read.
 */
final class Entry {
    final Name name;
    /** Lower-cased uncompressed wire form, the table key. */
    final UnsafeBuffer wire;
    final int wireLength;
    /** Records by type; null for an empty non-terminal. */
    final Map<Integer, List<Record>> rrsets;
    boolean hasChildren;
    /** Index of the entry for "*.NAME" (owner or empty non-terminal), or -1. */
    int wildcard = -1;
    /** The referral when this name is a zone cut (NS below the apex), else null. */
    Answer delegation;
    private int[] types = new int[0];
    private Answer[] answers = new Answer[0];
    private Answer otherwise;

    Entry(Name name, Map<Integer, List<Record>> rrsets) {
        this.name = name;
        byte[] bytes = name.toWireCanonical();
        this.wire = new UnsafeBuffer(bytes);
        this.wireLength = bytes.length;
        this.rrsets = rrsets;
    }

    boolean isEmptyNonTerminal() {
        return rrsets == null;
    }

    List<Record> rrset(int type) {
        return rrsets == null ? null : rrsets.get(type);
    }

    void answers(int[] types, Answer[] answers, Answer otherwise) {
        this.types = types;
        this.answers = answers;
        this.otherwise = otherwise;
    }

    /** The reply for a query of this type at this name (or at a name this wildcard covers). */
    Answer answerFor(int qtype) {
        int[] t = types;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == qtype) {
                return answers[i];
            }
        }
        return otherwise;
    }
}
