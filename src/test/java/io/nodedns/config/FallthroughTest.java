package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.wire.Names;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class FallthroughTest {

    /** Asks on the name's wire form, as handlers do with the query's bytes. */
    private static boolean through(Fallthrough f, String name) {
        UnsafeBuffer wire = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
        return f.through(wire, 0, Names.fromString(name, wire, 0));
    }

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
        assertFalse(through(Fallthrough.NEVER, "example.org."));
        assertFalse(through(Fallthrough.NEVER, "."));
        assertEquals(List.of(), Fallthrough.NEVER.zones());
    }

    @Test
    void bareFallthroughMeansEverything() throws ConfigException {
        Fallthrough f = parse("fallthrough");
        assertEquals(List.of("."), f.zones());
        assertTrue(through(f, "example.org."));
        assertTrue(through(f, "."));
        assertEquals(Fallthrough.ALWAYS, f);
    }

    @Test
    void zonesLimitFallthrough() throws ConfigException {
        Fallthrough f = parse("fallthrough Example.ORG dns://other.net:53");
        assertEquals(List.of("example.org.", "other.net."), f.zones());
        assertTrue(through(f, "example.org."));
        assertTrue(through(f, "www.example.org."));
        assertTrue(through(f, "WWW.Example.ORG."), "case is ignored");
        assertTrue(through(f, "a.other.net."));
        assertFalse(through(f, "example.com."));
        assertFalse(through(f, "notexample.org."));
    }

    @Test
    void cidrZonesAreExpanded() throws ConfigException {
        Fallthrough f = parse("fallthrough 10.0.0.0/8");
        assertEquals(List.of("10.in-addr.arpa."), f.zones());
        assertTrue(through(f, "4.3.2.10.in-addr.arpa."));
        assertFalse(through(f, "4.3.2.11.in-addr.arpa."));
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
