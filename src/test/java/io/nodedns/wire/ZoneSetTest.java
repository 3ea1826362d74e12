package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ZoneSetTest {
    private final UnsafeBuffer b = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 8]);
    private static final int OFF = 3; // names are matched in place, not at 0

    private int name(String fqdn) {
        return Names.fromString(fqdn, b, OFF);
    }

    @Test
    void longestZoneWinsOnLabelBoundariesIgnoringCase() {
        ZoneSet zones = ZoneSet.of(List.of("Example.org.", "sub.example.ORG.", "org."));
        assertEquals(1, zones.longest(b, OFF, name("a.SUB.example.org.")));
        assertEquals(0, zones.longest(b, OFF, name("example.org.")));
        assertEquals(2, zones.longest(b, OFF, name("xexample.org.")), "not on a label boundary: only org.");
        assertEquals(-1, zones.longest(b, OFF, name("example.com.")));
        assertTrue(zones.contains(b, OFF, name("x.org.")));
        assertFalse(zones.contains(b, OFF, name("com.")));
    }

    @Test
    void firstOfEqualZonesAndTheRootHoldsAll() {
        ZoneSet zones = ZoneSet.of(List.of("a.", "A.", "."));
        assertEquals(0, zones.longest(b, OFF, name("x.a.")));
        assertEquals(2, zones.longest(b, OFF, name("b.")));
        assertTrue(zones.contains(b, OFF, name(".")));
        assertFalse(ZoneSet.of(List.of()).contains(b, OFF, name("a.")), "no zones hold nothing");
        assertTrue(ZoneSet.of(List.of()).isEmpty());
    }

    @Test
    void oneZoneApexLengthAndBadNames() {
        ZoneSet zones = ZoneSet.of(List.of("example.org.", "."));
        int len = name("www.example.org.");
        assertTrue(zones.contains(0, b, OFF, len));
        assertFalse(zones.isApex(0, b, OFF, len));
        assertTrue(zones.isApex(0, b, OFF, name("EXAMPLE.org.")));
        assertFalse(zones.contains(0, b, OFF, name("org.")));
        assertTrue(zones.contains(1, b, OFF, name("org.")));
        assertEquals(13, zones.length(0));
        assertThrows(IllegalArgumentException.class, () -> ZoneSet.of("a..b."));
    }
}
