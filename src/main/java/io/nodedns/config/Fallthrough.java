package io.nodedns.config;

import io.nodedns.wire.QueryView;
import io.nodedns.wire.ZoneSet;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;

/**
 * A backend's {@code fallthrough [ZONES...]} setting (CoreDNS plugin/pkg/fall): absent means never, bare means
 * every name, otherwise names equal to or below one of the zones. Matched on the query's wire name
 * ({@link ZoneSet}), so asking builds no string.
 */
public final class Fallthrough {

    public static final Fallthrough NEVER = new Fallthrough(List.of());
    public static final Fallthrough ALWAYS = new Fallthrough(List.of("."));

    private final List<String> zones;
    private final ZoneSet wireZones;

    private Fallthrough(List<String> zones) {
        this.zones = List.copyOf(zones);
        this.wireZones = ZoneSet.of(this.zones);
    }

    /** Builds a setting from already normalized zones; an empty list means never. */
    public static Fallthrough of(List<String> zones) {
        return new Fallthrough(zones);
    }

    /**
     * Reads the arguments after {@code fallthrough}; call with the dispenser on that token.
     * Each argument is normalized like a zone, so {@code fallthrough 10.0.0.0/8} works.
     */
    public static Fallthrough parse(Dispenser d) throws ConfigException {
        List<String> zones = new ArrayList<>();
        boolean any = false;
        while (d.nextArg()) {
            any = true;
            zones.addAll(Zones.normalize(d.token()));
        }
        return any ? new Fallthrough(zones) : ALWAYS;
    }

    /** Whether a query for the uncompressed wire name at {@code off} may be passed on to the next plugin. */
    public boolean through(DirectBuffer b, int off, int len) {
        return wireZones.contains(b, off, len);
    }

    /** {@link #through(DirectBuffer, int, int)} for the question name of {@code q}. */
    public boolean through(QueryView q) {
        return through(q.buffer(), q.qnameOffset(), q.qnameLength());
    }

    public List<String> zones() {
        return zones;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fallthrough other && zones.equals(other.zones);
    }

    @Override
    public int hashCode() {
        return zones.hashCode();
    }

    @Override
    public String toString() {
        return zones.isEmpty() ? "fallthrough(never)" : "fallthrough" + zones;
    }
}
