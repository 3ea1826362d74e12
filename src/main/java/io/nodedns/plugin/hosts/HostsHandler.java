package io.nodedns.plugin.hosts;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Answers A, AAAA and PTR from the hosts table (spec 6.11), authoritatively and without SOA. A
 * name with no record of the asked type but an A or AAAA entry gets an empty NOERROR; an unknown
 * name falls through or gets SERVFAIL; names outside the zones pass on (PTR is answered for any
 * zone; a PTR without a match always passes on). Allocation-free: the table is probed with the
 * request's bytes and the reply is the question plus precomputed record bytes.
 */
public final class HostsHandler extends ChainHandler {
    private final HostsSource source;
    private final WireZones zones;
    private final WireZones fallthrough;
    private final boolean fallthroughUnsupported;

    HostsHandler(HostsSource source) {
        this.source = source;
        HostsConfig config = source.config();
        this.zones = new WireZones(config.origins());
        this.fallthrough = new WireZones(config.fallthrough().zones());
        this.fallthroughUnsupported = config.fallthroughUnsupported();
    }

    @Override
    public String name() {
        return "hosts";
    }

    /** The file this handler serves, for the metrics label "hostsfile". */
    public String file() {
        return source.config().file().toString();
    }

    /** coredns_hosts_entries of the table now serving. */
    public int entries() {
        return source.table().entries();
    }

    /** coredns_hosts_reload_timestamp_seconds: the modification time of the file last read. */
    public double reloadTimestampSeconds() {
        return source.reloadTimestampSeconds();
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        DirectBuffer b = ex.request();
        int off = q.qnameOffset();
        int len = q.qnameLength();
        int qtype = q.qtype();
        if (qtype != HostsTable.TYPE_PTR && !zones.contains(b, off, len)) {
            return next(ex);
        }
        HostsTable table = source.table();
        HostsTable.Answers answers = null;
        switch (qtype) {
            case HostsTable.TYPE_PTR -> {
                answers = table.reverse(b, off, len);
                if (answers == null) {
                    return next(ex);
                }
            }
            case HostsTable.TYPE_A -> answers = addresses(table, b, off, len, true);
            case HostsTable.TYPE_AAAA -> answers = addresses(table, b, off, len, false);
            default -> {
                if (fallthroughUnsupported && fallthrough.contains(b, off, len)) {
                    return next(ex);
                }
            }
        }
        if (answers == null && !exists(table, b, off, len)) {
            // No SOA to build an NXDOMAIN from, so CoreDNS answers SERVFAIL (spec 6.11).
            return fallthrough.contains(b, off, len) ? next(ex) : Result.SERVFAIL;
        }
        return write(ex, answers);
    }

    /** Exact owner first, then the wildcard one label up, each per family, as CoreDNS looks them up. */
    private static HostsTable.Answers addresses(HostsTable table, DirectBuffer b, int off, int len, boolean v4) {
        HostsTable.NameEntry exact = table.exact(b, off, len);
        HostsTable.Answers found = exact == null ? null : v4 ? exact.a : exact.aaaa;
        if (found != null) {
            return found;
        }
        HostsTable.NameEntry wild = table.wildcard(b, off, len);
        return wild == null ? null : v4 ? wild.a : wild.aaaa;
    }

    private static boolean exists(HostsTable table, DirectBuffer b, int off, int len) {
        return addresses(table, b, off, len, true) != null || addresses(table, b, off, len, false) != null;
    }

    private int write(Exchange ex, HostsTable.Answers answers) {
        QueryView q = ex.query();
        MutableDirectBuffer out = ex.response();
        int questionLength = q.questionEnd() - q.qnameOffset();
        int recordsLength = answers == null ? 0 : answers.records.length;
        int total = DnsHeader.LENGTH + questionLength + recordsLength;
        out.checkLimit(total);
        int requestFlags = q.flags();
        int flags = DnsHeader.QR | DnsHeader.AA | (requestFlags & DnsHeader.OPCODE_MASK);
        if ((requestFlags & DnsHeader.OPCODE_MASK) == 0) {
            flags |= requestFlags & (DnsHeader.RD | DnsHeader.CD);
        }
        DnsHeader.id(out, 0, q.id());
        DnsHeader.flags(out, 0, flags);
        DnsHeader.qdcount(out, 0, 1);
        DnsHeader.ancount(out, 0, answers == null ? 0 : answers.count);
        DnsHeader.nscount(out, 0, 0);
        DnsHeader.arcount(out, 0, 0);
        out.putBytes(DnsHeader.LENGTH, ex.request(), q.qnameOffset(), questionLength);
        if (answers != null) {
            out.putBytes(DnsHeader.LENGTH + questionLength, answers.records);
        }
        ex.written(total, "hosts");
        return Result.WRITTEN;
    }
}
