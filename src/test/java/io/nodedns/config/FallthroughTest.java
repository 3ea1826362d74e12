package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FallthroughTest {

    private static Fallthrough parse(String line) throws ConfigException {
        Dispenser d = Fixtures.parse(". {\n hosts {\n  " + line + "\n }\n}").get(0).directives("hosts").get(0)
                .dispenser();
        d.next();
        while (d.nextBlock()) {
            if (d.val().equals("fallthrough")) {
                return Fallthrough.parse(d);
            }
        }
        throw new AssertionError("no fallthrough line");
    }

    @Test
    void neverFallsThrough() {
        assertFalse(Fallthrough.NEVER.through("example.org."));
        assertFalse(Fallthrough.NEVER.through("."));
        assertEquals(List.of(), Fallthrough.NEVER.zones());
    }

    @Test
    void bareFallthroughMeansEverything() throws ConfigException {
        Fallthrough f = parse("fallthrough");
        assertEquals(List.of("."), f.zones());
        assertTrue(f.through("example.org."));
        assertTrue(f.through("."));
        assertEquals(Fallthrough.ALWAYS, f);
    }

    @Test
    void zonesLimitFallthrough() throws ConfigException {
        Fallthrough f = parse("fallthrough Example.ORG dns://other.net:53");
        assertEquals(List.of("example.org.", "other.net."), f.zones());
        assertTrue(f.through("example.org."));
        assertTrue(f.through("www.example.org."));
        assertTrue(f.through("a.other.net."));
        assertFalse(f.through("example.com."));
        assertFalse(f.through("notexample.org."));
    }

    @Test
    void cidrZonesAreExpanded() throws ConfigException {
        Fallthrough f = parse("fallthrough 10.0.0.0/8");
        assertEquals(List.of("10.in-addr.arpa."), f.zones());
        assertTrue(f.through("4.3.2.10.in-addr.arpa."));
        assertFalse(f.through("4.3.2.11.in-addr.arpa."));
    }

    @Test
    void invalidZoneIsAnErrorAtItsLine() {
        Fixtures.assertError(() -> parse("fallthrough ok.org bad..org"), "Corefile", 3,
                "zone is not a valid domain name: bad..org");
    }

    @Test
    void parseLeavesTheCursorAtTheLineEnd() throws ConfigException {
        Dispenser d = Fixtures.parse(". {\n hosts {\n  fallthrough a.org\n  ttl 5\n }\n}").get(0)
                .directives("hosts").get(0).dispenser();
        d.next();
        assertTrue(d.nextBlock());
        Fallthrough.parse(d);
        assertTrue(d.nextBlock());
        assertEquals("ttl", d.val());
    }

    @Test
    void ofAndEquality() {
        assertEquals(Fallthrough.of(List.of("a.org.")), Fallthrough.of(List.of("a.org.")));
        assertEquals(Fallthrough.NEVER, Fallthrough.of(List.of()));
        assertTrue(Fallthrough.of(List.of("a.org.")).toString().contains("a.org."));
    }
}
