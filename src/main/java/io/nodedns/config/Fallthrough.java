package io.nodedns.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A backend's {@code fallthrough [ZONES...]} setting (CoreDNS plugin/pkg/fall): absent means never, bare means
 * every name, otherwise names equal to or below one of the zones.
 */
public final class Fallthrough {

    public static final Fallthrough NEVER = new Fallthrough(List.of());
    public static final Fallthrough ALWAYS = new Fallthrough(List.of("."));

    private final List<String> zones;

    private Fallthrough(List<String> zones) {
        this.zones = List.copyOf(zones);
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

    /** Whether a query for this name may be passed on to the next plugin. */
    public boolean through(String qnameLowerFqdn) {
        return Zones.matches(zones, qnameLowerFqdn) != null;
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
