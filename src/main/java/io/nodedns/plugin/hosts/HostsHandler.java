package io.nodedns.plugin.hosts;

import io.nodedns.config.Fallthrough;
import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.wire.AnswerWriter;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import io.nodedns.wire.ZoneSet;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Answers A, AAAA and PTR from the hosts table (CoreDNS plugin/hosts), authoritatively and without SOA. A
 * name with no record of the asked type but an A or AAAA entry gets an empty NOERROR; an unknown
 * name falls through or gets SERVFAIL; names outside the zones pass on (PTR is answered for any
 * zone; a PTR without a match always passes on). Allocation-free: the table is probed with the
 * request's bytes and the reply is the question plus precomputed record bytes.
 */
final class HostsHandler extends ChainHandler {
    private final HostsSource source;
    private final ZoneSet zones;
    private final Fallthrough fallthrough;
    private final boolean fallthroughUnsupported;
    private final int ttl;

    HostsHandler(HostsSource source) {
        super("hosts");
        this.source = source;
        HostsConfig config = source.config();
        this.zones = ZoneSet.of(config.origins());
        this.fallthrough = config.fallthrough();
        this.fallthroughUnsupported = config.fallthroughUnsupported();
        this.ttl = config.ttl();
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        DirectBuffer b = ex.request();
        int off = q.qnameOffset();
        int len = q.qnameLength();
        int qtype = q.qtype();
        if (qtype != Records.TYPE_PTR && !zones.contains(b, off, len)) {
            return next(ex);
        }
        HostsTable inline = source.inline();
        HostsTable file = source.file();
        long found = NOTHING;
        switch (qtype) {
            case Records.TYPE_PTR -> {
                int node = inline.reverse(b, off, len);
                found = node != HostsTable.NONE ? found(INLINE, node) : found(FILE, file.reverse(b, off, len));
                if (node(found) == HostsTable.NONE) {
                    return next(ex);
                }
            }
            case Records.TYPE_A -> found = addresses(inline, file, b, off, len, true);
            case Records.TYPE_AAAA -> found = addresses(inline, file, b, off, len, false);
            default -> {
                if (fallthroughUnsupported && fallthrough.through(b, off, len)) {
                    return next(ex);
                }
            }
        }
        if (node(found) == HostsTable.NONE && !exists(inline, file, b, off, len)) {
            // No SOA to build an NXDOMAIN from, so CoreDNS answers SERVFAIL (CoreDNS plugin/hosts).
            return fallthrough.through(b, off, len) ? next(ex) : DnsHeader.RCODE_SERVFAIL;
        }
        return write(ex, (int) (found >>> 32) == INLINE ? inline : file, node(found), qtype);
    }

    private static final int INLINE = 0;
    private static final int FILE = 1;
    private static final long NOTHING = found(FILE, HostsTable.NONE);

    /** Which table (inline or file) and the first node of the answer chain, in one long (no allocation). */
    private static long found(int table, int node) {
        return ((long) table << 32) | (node & 0xFFFF_FFFFL);
    }

    private static int node(long found) {
        return (int) found;
    }

    /**
     * Exact owner first, then the wildcard one label up, each per family, as CoreDNS looks them up;
     * at each step an inline entry overrides the file's for its name and family.
     */
    private static long addresses(HostsTable inline, HostsTable file, DirectBuffer b, int off, int len, boolean v4) {
        int node = inline.exact(b, off, len, v4);
        if (node != HostsTable.NONE) {
            return found(INLINE, node);
        }
        node = file.exact(b, off, len, v4);
        if (node != HostsTable.NONE) {
            return found(FILE, node);
        }
        node = inline.wildcard(b, off, len, v4);
        if (node != HostsTable.NONE) {
            return found(INLINE, node);
        }
        return found(FILE, file.wildcard(b, off, len, v4));
    }

    private static boolean exists(HostsTable inline, HostsTable file, DirectBuffer b, int off, int len) {
        return node(addresses(inline, file, b, off, len, true)) != HostsTable.NONE
                || node(addresses(inline, file, b, off, len, false)) != HostsTable.NONE;
    }

    /** The reply: the question and the chain's records (none for NODATA), cut to fit a 64 KiB message. */
    private int write(Exchange ex, HostsTable table, int node, int qtype) {
        MutableDirectBuffer out = ex.response();
        int total = AnswerWriter.begin(ex.query(), ex.request(), out, DnsHeader.AA, DnsHeader.RCODE_NOERROR);
        if (node != HostsTable.NONE) {
            long written = table.write(node, qtype, ttl, out, total, MAX_MESSAGE);
            AnswerWriter.count(out, 1, (int) (written >>> 32));
            total = (int) written;
        }
        ex.written(total, "hosts");
        return Result.WRITTEN;
    }

    /** The largest DNS message (RFC 1035 4.2.2's two-byte length); longer answers are cut, as CoreDNS's would not fit. */
    private static final int MAX_MESSAGE = 65535;
}
