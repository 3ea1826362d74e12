package io.nodedns.config;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Where a token came from: the root Corefile, or an import of a file or snippet nested in
 * another origin. The chain lets the parser reject import cycles as soon as they appear.
 *
 * @param kind   FILE or SNIPPET
 * @param id     the file's canonical path, or the snippet's name
 * @param parent the origin of the {@code import} that brought this one in; null for the root
 */
record Origin(Kind kind, String id, Origin parent) {

    enum Kind {
        FILE, SNIPPET
    }

    static Origin root(String canonicalPath) {
        return new Origin(Kind.FILE, canonicalPath, null);
    }

    Origin child(Kind childKind, String childId) {
        return new Origin(childKind, childId, this);
    }

    boolean includes(Kind wanted, String wantedId) {
        for (Origin o = this; o != null; o = o.parent) {
            if (o.kind == wanted && o.id.equals(wantedId)) {
                return true;
            }
        }
        return false;
    }

    /** "a -> b -> c" from the outermost origin to this one. */
    String chain() {
        Deque<String> names = new ArrayDeque<>();
        for (Origin o = this; o != null; o = o.parent) {
            names.addFirst(o.kind == Kind.SNIPPET ? "snippet " + o.id : o.id);
        }
        return String.join(" -> ", names);
    }
}
