package io.nodedns.config;

import static io.nodedns.config.Fixtures.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ZonesTest {

    @Test
    void normalizeStripsSchemeAndPortAndQualifies() throws ConfigException {
        assertEquals(List.of("example.org."), Zones.normalize(token("Example.ORG")));
        assertEquals(List.of("example.org."), Zones.normalize(token("dns://example.org:53")));
        assertEquals(List.of("example.org."), Zones.normalize(token("tls://example.org.")));
        assertEquals(List.of("."), Zones.normalize(token(".")));
        assertEquals(List.of("0.10.in-addr.arpa.", "1.10.in-addr.arpa."), Zones.normalize(token("10.0.0.0/15")));
        assertEquals(List.of("10.in-addr.arpa."), Zones.normalize(token("10.0.0.0/8:1053")));
    }

    @Test
    void normalizeRejectsInvalidZonesAtTheToken() {
        Token bad = new Token("a..b", "Corefile", 9, false);
        Fixtures.assertError(() -> Zones.normalize(bad), "Corefile", 9, "zone is not a valid domain name: a..b");
        Fixtures.assertError(() -> Zones.normalize(token("x.org:")), "Corefile", 1, "expecting data after last colon");
        Fixtures.assertError(() -> Zones.normalize(token("::/0")), "Corefile", 1, "invalid CIDR");
    }

    @Test
    void matchesPicksTheLongestZone() {
        List<String> zones = List.of(".", "org.", "example.org.", "sub.example.org.");
        assertEquals("sub.example.org.", Zones.matches(zones, "a.sub.example.org."));
        assertEquals("example.org.", Zones.matches(zones, "example.org."));
        assertEquals("example.org.", Zones.matches(zones, "www.example.org."));
        assertEquals("org.", Zones.matches(zones, "other.org."));
        assertEquals(".", Zones.matches(zones, "example.com."));
    }

    @Test
    void matchesRequiresALabelBoundary() {
        List<String> zones = List.of("example.org.");
        assertNull(Zones.matches(zones, "badexample.org."));
        assertNull(Zones.matches(zones, "org."));
        assertNull(Zones.matches(List.of(), "example.org."));
    }

    @Test
    void matchesIgnoresCaseAndMissingDot() {
        assertEquals("example.org.", Zones.matches(List.of("example.org."), "WWW.Example.Org"));
    }

    @Test
    void isSubdomain() {
        assertTrue(Zones.isSubdomain(".", "anything."));
        assertTrue(Zones.isSubdomain("a.b.", "a.b."));
        assertTrue(Zones.isSubdomain("a.b.", "x.a.b."));
        assertFalse(Zones.isSubdomain("a.b.", "xa.b."));
    }

    @Test
    void validDomainNames() {
        assertTrue(Zones.isValidDomainName("."));
        assertTrue(Zones.isValidDomainName("example.org."));
        assertTrue(Zones.isValidDomainName("example.org"));
        assertTrue(Zones.isValidDomainName("a\\.b.org."), "escaped dot");
        assertTrue(Zones.isValidDomainName("\\065bc.org."), "\\DDD escape");
        assertTrue(Zones.isValidDomainName("under_score.and-dash.*.org."));
        assertTrue(Zones.isValidDomainName("a".repeat(63) + ".org."));
        assertFalse(Zones.isValidDomainName("a".repeat(64) + ".org."));
        assertFalse(Zones.isValidDomainName(""));
        assertFalse(Zones.isValidDomainName(null));
        assertFalse(Zones.isValidDomainName(".org."));
        assertFalse(Zones.isValidDomainName("a..org."));
        assertFalse(Zones.isValidDomainName("org.."));
        String label = "a".repeat(63);
        assertTrue(Zones.isValidDomainName(String.join(".", label, label, label, "a".repeat(62)) + "."));
        // miekg/dns counts 256 wire octets without the root byte as still valid
        assertTrue(Zones.isValidDomainName(String.join(".", label, label, label, label) + "."));
        assertFalse(Zones.isValidDomainName(String.join(".", label, label, label, label, "a") + "."));
    }
}
