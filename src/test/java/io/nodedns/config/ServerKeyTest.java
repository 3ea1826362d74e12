package io.nodedns.config;

import static io.nodedns.config.Fixtures.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerKeyTest {

    private static List<ServerKey> keys(String key) throws ConfigException {
        return ServerKey.parse(token(key), 53);
    }

    private static List<String> zones(String key) throws ConfigException {
        return keys(key).stream().map(ServerKey::zone).toList();
    }

    private static ServerKey single(String key) throws ConfigException {
        List<ServerKey> keys = keys(key);
        assertEquals(1, keys.size());
        return keys.get(0);
    }

    @ParameterizedTest
    @CsvSource({
            "example.org, dns://example.org.:53",
            "example.org., dns://example.org.:53",
            "EXAMPLE.ORG.:0, dns://example.org.:0",
            "dns://example.org:1053, dns://example.org.:1053",
            ".:53, dns://.:53",
            "., dns://.:53",
            "dns://., dns://.:53",
            "tls://example.org, tls://example.org.:853",
            "tls://example.org:5353, tls://example.org.:5353",
            "quic://., quic://.:853",
            "grpc://., grpc://.:443",
            "https://example.org, https://example.org.:443",
            "https3://example.org, https3://example.org.:443",
            "example.org:+53, dns://example.org.:53",
            "example.org:0053, dns://example.org.:53",
            "a.b.c.d.e:65535, dns://a.b.c.d.e.:65535",
            ".svc, dns://svc.:53",
            ".Cluster.Local:1053, dns://cluster.local.:1053",
            "dns://.svc:53, dns://svc.:53",
    })
    void normalizesKeys(String key, String address) throws ConfigException {
        assertEquals(address, single(key).address());
    }

    @Test
    void defaultPortAppliesOnlyToPlainDns() throws ConfigException {
        assertEquals(1053, ServerKey.parse(token("example.org"), 1053).get(0).port());
        assertEquals(853, ServerKey.parse(token("tls://example.org"), 1053).get(0).port());
        assertEquals(53, ServerKey.parse(token("example.org:53"), 1053).get(0).port(), "explicit port wins");
    }

    @Test
    void fieldsAndSource() throws ConfigException {
        Token t = new Token("Tls://x", "f", 7, false);
        ServerKey k = ServerKey.parse(new Token("tls://Example.Org:99", "f", 7, false), 53).get(0);
        assertEquals("tls", k.scheme());
        assertEquals("example.org.", k.zone());
        assertEquals(99, k.port());
        assertEquals(7, k.source().line());
        assertEquals("tls://example.org.:99", k.toString());
        Fixtures.assertError(() -> ServerKey.parse(t, 53), "f", 7, "unsupported scheme 'Tls://'");
    }

    // --- the reverse-zone examples of CoreDNS's plugin/normalize.go ----------------------------

    @Test
    void slash8() throws ConfigException {
        assertEquals(List.of("10.in-addr.arpa."), zones("10.0.0.0/8"));
    }

    @Test
    void slash24() throws ConfigException {
        assertEquals(List.of("0.0.10.in-addr.arpa."), zones("10.0.0.0/24"));
    }

    @Test
    void slash15SplitsInTwo() throws ConfigException {
        assertEquals(List.of("0.10.in-addr.arpa.", "1.10.in-addr.arpa."), zones("10.0.0.0/15"));
    }

    @Test
    void slash18MasksHostBitsAndGives64Zones() throws ConfigException {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            expected.add(i + ".9.10.in-addr.arpa.");
        }
        assertEquals(expected, zones("10.9.3.0/18"));
    }

    @Test
    void slash25Gives128Zones() throws ConfigException {
        List<String> zones = zones("192.168.1.0/25");
        assertEquals(128, zones.size());
        assertEquals("0.1.168.192.in-addr.arpa.", zones.get(0));
        assertEquals("127.1.168.192.in-addr.arpa.", zones.get(127));
        assertEquals(List.of(), zones.stream().filter(z -> z.startsWith("128.")).toList(), ".128 is outside");
    }

    @Test
    void ipv6Slash29Gives8Zones() throws ConfigException {
        assertEquals(List.of("8.b.d.0.1.0.0.2.ip6.arpa.", "9.b.d.0.1.0.0.2.ip6.arpa.", "a.b.d.0.1.0.0.2.ip6.arpa.",
                "b.b.d.0.1.0.0.2.ip6.arpa.", "c.b.d.0.1.0.0.2.ip6.arpa.", "d.b.d.0.1.0.0.2.ip6.arpa.",
                "e.b.d.0.1.0.0.2.ip6.arpa.", "f.b.d.0.1.0.0.2.ip6.arpa."), zones("2001:db8::/29"));
    }

    @Test
    void reverseKeyWithPort() throws ConfigException {
        ServerKey k = single("10.0.0.0/24:1053");
        assertEquals("dns://0.0.10.in-addr.arpa.:1053", k.address());
        List<ServerKey> split = keys("10.0.0.0/15:5053");
        assertEquals(List.of("dns://0.10.in-addr.arpa.:5053", "dns://1.10.in-addr.arpa.:5053"),
                split.stream().map(ServerKey::address).toList());
        assertSame(split.get(0).source(), split.get(1).source());
    }

    @Test
    void moreReverseZones() throws ConfigException {
        assertEquals(List.of("in-addr.arpa."), zones("0.0.0.0/0"));
        assertEquals(List.of("4.3.2.1.in-addr.arpa."), zones("1.2.3.4/32"));
        assertEquals(List.of("168.192.in-addr.arpa."), zones("192.168.0.0/16"));
        assertEquals(List.of("8.b.d.0.1.0.0.2.ip6.arpa."), zones("2001:db8::/32"));
        assertEquals(List.of("0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."), zones("2001:db8::/64"));
        assertEquals(List.of("a.f.ip6.arpa.", "b.f.ip6.arpa."), zones("fa00::/7"));
        assertEquals(List.of("tls://0.0.10.in-addr.arpa.:853"),
                keys("tls://10.0.0.0/24").stream().map(ServerKey::address).toList());
    }

    @Test
    void notQuiteCidrsAreOrdinaryNames() throws ConfigException {
        // leading zeros, or a missing mask, make it a plain (odd but valid) name, as in Go
        assertEquals(List.of("010.0.0.0/8."), zones("010.0.0.0/8"));
        assertEquals(List.of("10.0.0.0."), zones("10.0.0.0"));
        assertEquals(List.of("10.0.0.0/33."), zones("10.0.0.0/33"));
    }

    @Test
    void parseAllAppendsExtraZonesAfterAllKeys() throws ConfigException {
        List<ServerKey> all = ServerKey.parseAll(List.of(token("10.0.0.0/15"), token("example.org")), 53);
        assertEquals(List.of("0.10.in-addr.arpa.", "example.org.", "1.10.in-addr.arpa."),
                all.stream().map(ServerKey::zone).toList());
    }

    // --- errors ------------------------------------------------------------------------------

    @Test
    void keyEndingInColon() {
        Fixtures.assertError(() -> keys("example.org:"), "Corefile", 1, "expecting data after last colon");
    }

    @Test
    void portOnly() {
        Fixtures.assertError(() -> keys(":53"), "Corefile", 1, "zone is not a valid domain name");
    }

    @Test
    void cidrWithLeadingColon() {
        Fixtures.assertError(() -> keys("::/0"), "Corefile", 1, "invalid CIDR ::/0");
        Fixtures.assertError(() -> keys("::1/128"), "Corefile", 1, "invalid CIDR");
    }

    @Test
    void cidrWithLeadingZeroAndColon() {
        Fixtures.assertError(() -> keys("0::/0"), "Corefile", 1, "invalid CIDR 0::/0");
        Fixtures.assertError(() -> keys("0:0:0:0:0:0:0:0/8:53"), "Corefile", 1, "invalid CIDR");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a..b", "..example.org", "..", ".a..b", "example..org.", "..", "dns://", "tls://:853",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org"})
    void invalidNamesAreRejected(String key) {
        Fixtures.assertError(() -> keys(key), "Corefile", 1, "zone is not a valid domain name");
    }

    @Test
    void nameLongerThan255IsRejected() {
        String label = "a".repeat(60);
        String name = String.join(".", label, label, label, label, label); // 304 characters
        Fixtures.assertError(() -> keys(name), "Corefile", 1, "specified zone is too long: 304 > 255");
    }

    @Test
    void fqdnMustAlsoFit() {
        // 255 characters is allowed as written, but the added root dot makes the name too long
        String label = "a".repeat(63);
        String name = String.join(".", label, label, label, "a".repeat(63));
        assertEquals(255, name.length());
        Fixtures.assertError(() -> keys(name), "Corefile", 1, "specified zone is too long: 256 > 255");
    }

    @Test
    void longestValidName() throws ConfigException {
        String label = "a".repeat(63);
        String name = String.join(".", label, label, label, "a".repeat(61)) + ".";
        assertEquals(254, name.length());
        assertEquals(name, single(name).zone());
    }

    @Test
    void unknownScheme() {
        Fixtures.assertError(() -> keys("unix://foo"), "Corefile", 1, "unsupported scheme 'unix://'");
        Fixtures.assertError(() -> keys("http://example.org"), "Corefile", 1, "unsupported scheme 'http://'");
    }

    @Test
    void portOutOfRange() {
        Fixtures.assertError(() -> keys("example.org:65536"), "Corefile", 1, "invalid port '65536'");
        Fixtures.assertError(() -> keys("example.org:-1"), "Corefile", 1, "invalid port '-1'");
    }

    @Test
    void nonNumericPortStaysPartOfTheName() throws ConfigException {
        // as in CoreDNS: the text after the last ':' is a port only if it is a number
        assertEquals("example.org:abc.", single("example.org:abc").zone());
    }

    @Test
    void defaultPorts() {
        assertEquals(53, ServerKey.defaultPort("dns", 53));
        assertEquals(853, ServerKey.defaultPort("tls", 53));
        assertEquals(853, ServerKey.defaultPort("quic", 53));
        assertEquals(443, ServerKey.defaultPort("grpc", 53));
        assertEquals(443, ServerKey.defaultPort("https", 53));
        assertEquals(443, ServerKey.defaultPort("https3", 53));
    }

    @Test
    void errorPointsAtTheKeyTokenOfAParsedCorefile() throws ConfigException {
        ServerBlock b = Fixtures.parse("# header\n\nok.org,\n  bad..org {\n}").get(0);
        Token bad = b.keys().get(1);
        Fixtures.assertError(() -> ServerKey.parse(bad, 53), "Corefile", 4, "bad..org");
    }
}
