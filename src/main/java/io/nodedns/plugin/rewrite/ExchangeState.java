package io.nodedns.plugin.rewrite;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * What rewrite carries from a query to its reply, laid out in the exchange's scratch buffer (hooks
 * are shared objects, the exchange is per query): the client's original request and one entry per
 * matched rule that acts on the reply, with "aux" bytes the rule saved (names before and after a
 * name rewrite, an EDNS0 option's previous data).
 * <pre>
 *   0 origLength | 4 entryCount | 8 auxEnd | 12 origOffset | 16 entries (rule, auxOff, auxLen) ...
 *   origOffset: original request | aux bytes ...
 * </pre>
 */
final class ExchangeState {
    private static final int ORIG_LENGTH = 0;
    private static final int ENTRY_COUNT = 4;
    private static final int AUX_END = 8;
    private static final int ORIG_OFFSET = 12;
    private static final int ENTRIES = 16;
    private static final int ENTRY_SIZE = 12;

    private ExchangeState() {}

    /** Saves the request and starts an empty entry list; room for {@code maxEntries} entries. */
    static void begin(ExpandableDirectByteBuffer s, DirectBuffer request, int length, int maxEntries) {
        int origOffset = ENTRIES + ENTRY_SIZE * maxEntries;
        s.checkLimit(origOffset + length + 1024);
        s.putBytes(origOffset, request, 0, length);
        s.putInt(ORIG_LENGTH, length);
        s.putInt(ENTRY_COUNT, 0);
        s.putInt(ORIG_OFFSET, origOffset);
        s.putInt(AUX_END, origOffset + length);
    }

    static int origOffset(DirectBuffer s) {
        return s.getInt(ORIG_OFFSET);
    }

    static int origLength(DirectBuffer s) {
        return s.getInt(ORIG_LENGTH);
    }

    /** Where the free space after the aux bytes starts (the reply is rebuilt there). */
    static int auxEnd(DirectBuffer s) {
        return s.getInt(AUX_END);
    }

    /** Appends aux bytes; returns their offset. */
    static int addAux(ExpandableDirectByteBuffer s, DirectBuffer src, int off, int len) {
        int at = s.getInt(AUX_END);
        s.checkLimit(at + len);
        s.putBytes(at, src, off, len);
        s.putInt(AUX_END, at + len);
        return at;
    }

    static void addEntry(ExpandableDirectByteBuffer s, int rule, int auxOff, int auxLen) {
        int n = s.getInt(ENTRY_COUNT);
        int at = ENTRIES + n * ENTRY_SIZE;
        s.putInt(at, rule);
        s.putInt(at + 4, auxOff);
        s.putInt(at + 8, auxLen);
        s.putInt(ENTRY_COUNT, n + 1);
    }

    static int entryCount(DirectBuffer s) {
        return s.getInt(ENTRY_COUNT);
    }

    static int rule(DirectBuffer s, int i) {
        return s.getInt(ENTRIES + i * ENTRY_SIZE);
    }

    static int auxOffset(DirectBuffer s, int i) {
        return s.getInt(ENTRIES + i * ENTRY_SIZE + 4);
    }

    static int auxLength(DirectBuffer s, int i) {
        return s.getInt(ENTRIES + i * ENTRY_SIZE + 8);
    }
}
