package io.nodedns.plugin.file;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.server.SelfLookup;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import io.nodedns.wire.ZoneSet;
import java.util.List;
import org.agrona.DirectBuffer;

/**
 * Serves the zones of one block's {@code file} directives (CoreDNS plugin/file): picks the longest zone
 * containing the query name, answers from that zone's current snapshot with a precomputed reply,
 * refuses AXFR/IXFR, and passes names outside its zones (and NXDOMAINs that {@code fallthrough}
 * covers) to the next plugin. Allocation-free, except for a CNAME chain that leaves the zone: its
 * target is looked up through the server ({@link SelfLookup}) on a virtual thread.
 */
final class FileHandler extends ChainHandler {

    private final ZoneSlot[] zones;
    /** The zones' origins, in the order of {@link #zones}. */
    private final ZoneSet origins;
    private final ZoneSet fallthrough;

    /** @param fallthroughZones lower-case fully qualified zones; "." for all, empty for never */
    FileHandler(List<ZoneSlot> zones, List<String> fallthroughZones) {
        super("file");
        this.zones = zones.toArray(new ZoneSlot[0]);
        this.origins = ZoneSet.of(zones.stream().map(z -> z.origin.toString()).toList());
        this.fallthrough = ZoneSet.of(fallthroughZones);
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        int z = origins.longest(q);
        if (z < 0) {
            // CoreDNS: an authoritative plugin with nothing after it refuses
            return nextHandler() == null ? DnsHeader.RCODE_REFUSED : next(ex);
        }
        ZoneSlot zone = zones[z];
        DirectBuffer b = ex.request();
        int off = q.qnameOffset();
        int len = q.qnameLength();
        int end = off + len;
        int zoneLength = origins.length(z);
        int below = Names.labelCount(b, off, len) - Names.labelCount(b, end - zoneLength, zoneLength); // labels above the zone
        ZoneSnapshot snapshot = zone.snapshot();
        if (snapshot == null) {
            ex.error("plugin/file: zone " + zone.origin + " is not loaded");
            return DnsHeader.RCODE_SERVFAIL;
        }
        int qtype = q.qtype();
        if (Records.isZoneTransfer(qtype)) {
            return DnsHeader.RCODE_REFUSED; // no transfer plugin
        }
        int code = snapshot.resolve(b, off, end, below, qtype);
        Answer answer = snapshot.answer(code, qtype);
        if (answer == null) {
            ex.written(snapshot.writeRecords(ex, ZoneSnapshot.index(code), qtype), "file");
            return Result.WRITTEN;
        }
        if (answer.mayFallThrough() && fallthrough.contains(b, off, len)) {
            return next(ex);
        }
        if (answer.rcode() == DnsHeader.RCODE_SERVFAIL && answer.answerCount() == 0) {
            return DnsHeader.RCODE_SERVFAIL;
        }
        int length = answer.write(ex);
        if (answer.externalTarget() != null && qtype != Records.TYPE_CNAME) {
            // off the hot path: the target is asked through the server, the reply waits for it
            return SelfLookup.followCname(ex, length, answer.externalTarget(), "file");
        }
        ex.written(length, "file");
        return Result.WRITTEN;
    }

}
