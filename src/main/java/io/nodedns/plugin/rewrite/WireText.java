package io.nodedns.plugin.rewrite;

import io.nodedns.wire.Names;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.Name;

/**
 * Wire name to lower-case presentation text, without allocating: the form CoreDNS's rewrite
 * matches against ({@code state.Name()}: lower case, fully qualified, escaped as miekg/dns escapes,
 * {@link Names#escapeLabelByteCoreDns}). Back to wire form with {@link Names#fromString}.
 */
final class WireText {
    private WireText() {}

    /** Writes the uncompressed name at {@code off} as lower-case text ("." for the root). */
    static void toLowerText(DirectBuffer b, int off, Text out) {
        toText(b, off, out, true);
    }

    /**
     * A name of a reply parsed by dnsjava (an owner, a CNAME target) as CoreDNS's rewrite sees a
     * record's name: miekg/dns's escapes, case kept. Allocates: the reply's text path only.
     */
    static String toText(Name name) {
        byte[] wire = name.toWire();
        return Names.toCoreDnsText(new UnsafeBuffer(wire), 0, wire.length);
    }

    /** Presentation text of the name at {@code off}, lower-cased or as sent. */
    static void toText(DirectBuffer b, int off, Text out, boolean lower) {
        out.clear();
        int pos = off;
        while (true) {
            int len = b.getByte(pos) & 0xFF;
            if (len == 0 || len > Names.MAX_LABEL_LENGTH) {
                break;
            }
            for (int i = pos + 1; i <= pos + len; i++) {
                int c = b.getByte(i) & 0xFF;
                out.appendLabelByte(lower && c >= 'A' && c <= 'Z' ? c | 0x20 : c);
            }
            out.append('.');
            pos += len + 1;
        }
        if (out.length() == 0) {
            out.append('.');
        }
    }
}
