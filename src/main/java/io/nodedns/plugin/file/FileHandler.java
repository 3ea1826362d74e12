package io.nodedns.plugin.file;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.server.SelfLookup;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Serves the zones of one block's {@code file} directives (CoreDNS plugin/file): picks the longest zone
 * containing the query name, answers from that zone's current snapshot with a precomputed reply,
 * refuses AXFR/IXFR, and passes names outside its zones (and NXDOMAINs that {@code fallthrough}
 * covers) to the next plugin. Allocation-free, except for a CNAME chain that leaves the zone: its
 * target is looked up through the server ({@link SelfLookup}) on a virtual thread.
 */
final class FileHandler extends ChainHandler {
    private static final int TYPE_CNAME = 5;
    private static final int TYPE_IXFR = 251;
    private static final int TYPE_AXFR = 252;

    private final ZoneSlot[] zones;
    private final UnsafeBuffer[] fallthrough;
    private final int[] fallthroughLengths;

    /** @param fallthroughZones lower-case fully qualified zones; "." for all, empty for never */
    FileHandler(List<ZoneSlot> zones, List<String> fallthroughZones) {
        super("file");
        this.zones = zones.toArray(new ZoneSlot[0]);
        this.fallthrough = new UnsafeBuffer[fallthroughZones.size()];
        this.fallthroughLengths = new int[fallthroughZones.size()];
        for (int i = 0; i < fallthrough.length; i++) {
            UnsafeBuffer b = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
            fallthroughLengths[i] = Names.fromString(fallthroughZones.get(i), b, 0);
            fallthrough[i] = b;
        }
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        DirectBuffer b = ex.request();
        int off = q.qnameOffset();
        int end = off + q.qnameLength();
        // the longest zone wins: try suffixes from the whole name down to the root
        int below = 0;
        ZoneSlot zone = null;
        for (int p = off; p >= 0 && zone == null; p = Names.parentOffset(b, p, end)) {
            zone = zoneAt(b, p, end - p);
            if (zone == null) {
                below++;
            }
        }
        if (zone == null) {
            // CoreDNS: an authoritative plugin with nothing after it refuses
            return nextHandler() == null ? Result.REFUSED : next(ex);
        }
        ZoneSnapshot snapshot = zone.snapshot();
        if (snapshot == null) {
            ex.error("plugin/file: zone " + zone.origin + " is not loaded");
            return Result.SERVFAIL;
        }
        int qtype = q.qtype();
        if (qtype == TYPE_AXFR || qtype == TYPE_IXFR) {
            return Result.REFUSED; // no transfer plugin
        }
        int code = snapshot.resolve(b, off, end, below, qtype);
        Answer answer = snapshot.answer(code, qtype);
        if (answer == null) {
            ex.written(snapshot.writeRecords(ex, ZoneSnapshot.index(code), qtype), "file");
            return Result.WRITTEN;
        }
        if (answer.mayFallThrough && fallsThrough(b, off, end)) {
            return next(ex);
        }
        if (answer.rcode == Result.SERVFAIL && answer.answerCount == 0) {
            return Result.SERVFAIL;
        }
        int length = answer.write(ex);
        if (answer.externalTarget != null && qtype != TYPE_CNAME) {
            // off the hot path: the target is asked through the server, the reply waits for it
            return SelfLookup.followCname(ex, length, answer.externalTarget, "file");
        }
        ex.written(length, "file");
        return Result.WRITTEN;
    }

    private ZoneSlot zoneAt(DirectBuffer b, int off, int length) {
        for (ZoneSlot z : zones) {
            if (z.originLength == length && Names.equalsIgnoreCase(b, off, z.originWire, 0, length)) {
                return z;
            }
        }
        return null;
    }

    private boolean fallsThrough(DirectBuffer b, int off, int end) {
        for (int p = off; p >= 0; p = Names.parentOffset(b, p, end)) {
            for (int i = 0; i < fallthrough.length; i++) {
                int length = fallthroughLengths[i];
                if (length == end - p && Names.equalsIgnoreCase(b, p, fallthrough[i], 0, length)) {
                    return true;
                }
            }
        }
        return false;
    }
}
