package io.nodedns.plugin.file;

import org.agrona.DirectBuffer;
import org.xbill.DNS.Name;

/**
 * One loaded zone, immutable once built: its names and every reply precomputed. Replacing a zone
 * (reload) swaps the whole snapshot with one volatile store, so a query sees one version only.
 *
 * <p>{@link #resolve} is CoreDNS's lookup walk (plugin/file/lookup.go) over the query name in the
 * request buffer: label by label down from the apex, stopping at a zone cut, remembering the
 * wildcard of the closest encloser (RFC 4592) and empty non-terminals. It returns a code
 * (kind and entry index) instead of an object so that the query path allocates nothing.
 */
final class ZoneSnapshot {
    static final int EXACT = 0;
    static final int WILDCARD = 1;
    static final int DELEGATION = 2;
    static final int NXDOMAIN = 3;
    /** The name is an empty non-terminal: NOERROR with the SOA (and CoreDNS lets it fall through). */
    static final int EMPTY_NON_TERMINAL = 4;
    /** The covering wildcard is itself an empty non-terminal: NODATA. */
    static final int WILDCARD_NODATA = 5;
    private static final int KIND_BITS = 3;
    private static final int KIND_MASK = 7;
    private static final int TYPE_DS = 43;

    final Name origin;
    final long serial;
    private final Entry[] entries;
    private final NameTable table;
    private final int apex;
    private final Answer nxdomain;
    private final Answer emptyNonTerminal;
    private final Answer nodata;

    ZoneSnapshot(Name origin, long serial, Entry[] entries, NameTable table, int apex, Answer nxdomain,
            Answer emptyNonTerminal, Answer nodata) {
        this.origin = origin;
        this.serial = serial;
        this.entries = entries;
        this.table = table;
        this.apex = apex;
        this.nxdomain = nxdomain;
        this.emptyNonTerminal = emptyNonTerminal;
        this.nodata = nodata;
    }

    static int kind(int code) {
        return code & KIND_MASK;
    }

    static int index(int code) {
        return code >>> KIND_BITS;
    }

    private static int code(int kind, int index) {
        return (index << KIND_BITS) | kind;
    }

    Entry entry(int index) {
        return entries[index];
    }

    /**
     * Resolves the uncompressed name at {@code [off, end)}, which lies {@code below} labels under
     * this zone's apex, for {@code qtype} (only DS changes the walk: a DS at a cut is answered here).
     */
    int resolve(DirectBuffer b, int off, int end, int below, int qtype) {
        if (below == 0) {
            return code(EXACT, apex);
        }
        int parent = apex;
        int wild = -1;
        int wildParentLevel = -1;
        int deepestWithChildren = -1;
        int found = -1;
        for (int level = 1; level <= below; level++) {
            int at = skipLabels(b, off, below - level);
            found = table.find(b, at, end - at);
            Entry e = found < 0 ? null : entries[found];
            if (e == null || e.isEmptyNonTerminal()) {
                // not found at this level: the wildcard of its parent may synthesize the answer
                int w = parent < 0 ? -1 : entries[parent].wildcard;
                if (w >= 0) {
                    wild = w;
                    wildParentLevel = level - 1;
                }
            } else if (e.delegation != null && !(qtype == TYPE_DS && level == below)) {
                return code(DELEGATION, found);
            }
            if (level < below && e != null && e.hasChildren) {
                deepestWithChildren = level;
            }
            parent = found;
        }
        if (found >= 0 && !entries[found].isEmptyNonTerminal()) {
            return code(EXACT, found);
        }
        // RFC 4592: an empty non-terminal closer than the wildcard's parent is the closest encloser
        if (wild >= 0 && deepestWithChildren <= wildParentLevel) {
            return entries[wild].isEmptyNonTerminal() ? WILDCARD_NODATA : code(WILDCARD, wild);
        }
        return found >= 0 ? EMPTY_NON_TERMINAL : NXDOMAIN;
    }

    /** The precomputed reply for a {@link #resolve} result. */
    Answer answer(int code, int qtype) {
        return switch (kind(code)) {
            case EXACT, WILDCARD -> entries[index(code)].answerFor(qtype);
            case DELEGATION -> entries[index(code)].delegation;
            case EMPTY_NON_TERMINAL -> emptyNonTerminal;
            case WILDCARD_NODATA -> nodata;
            default -> nxdomain;
        };
    }

    /** The offset of the name left after removing {@code labels} leading labels from the one at {@code off}. */
    static int skipLabels(DirectBuffer b, int off, int labels) {
        int p = off;
        for (int i = 0; i < labels; i++) {
            p += (b.getByte(p) & 0xFF) + 1;
        }
        return p;
    }
}
