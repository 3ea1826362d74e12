package io.nodedns.plugin.file;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.ConfigException;
import io.nodedns.testing.SetupErrors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corefile syntax of file (CoreDNS plugin/file) and zone files that must fail the load with their file and line. */
class FileSetupTest {
    private static final String SOA = "@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n";

    @TempDir
    Path dir;

    private Path zone(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private Path goodZone() throws Exception {
        return zone("db.good", "$ORIGIN example.org.\n$TTL 60\n" + SOA + "www IN A 192.0.2.1\n");
    }

    @Test
    void acceptsEveryOption() throws Exception {
        Path z = goodZone();
        assertDoesNotThrow(() -> SetupErrors.build("example.org {\n file " + z + "\n}\n"));
        assertDoesNotThrow(() -> SetupErrors.build(". {\n file " + z + " EXAMPLE.org.:53 {\n"
                + "  reload 30s\n  reload_by_mtime\n  fallthrough in-addr.arpa\n  upstream 8.8.8.8\n }\n}\n"));
        assertDoesNotThrow(
                () -> SetupErrors.build(". {\n file " + z + " example.org {\n  reload 0\n  fallthrough\n }\n}\n"));
        // without $ORIGIN one file can serve several zones
        Path plain = zone("db.plain", "$TTL 60\n" + SOA + "www IN A 192.0.2.1\n");
        assertDoesNotThrow(() -> SetupErrors
                .build(". {\n file " + plain + " example.org example.net\n file " + z + " example.org\n}\n"));
    }

    @Test
    void needsADbFile() {
        SetupErrors.assertFails("example.org {\n file\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails("example.org {\n file {\n  reload 1m\n }\n}\n", 2, "Wrong argument count");
    }

    @Test
    void rejectsUnknownPropertiesAndBadDurations() throws Exception {
        Path z = goodZone();
        SetupErrors.assertFails("example.org {\n file " + z + " {\n  reload 1m\n  transfer to *\n }\n}\n", 4,
                "plugin/file: unknown property 'transfer'");
        SetupErrors.assertFails("example.org {\n file " + z + " {\n  reload\n }\n}\n", 3,
                "reload duration value is expected");
        SetupErrors.assertFails("example.org {\n file " + z + " {\n  reload 10\n }\n}\n", 3,
                "missing unit in duration");
        SetupErrors.assertFails("example.org {\n file " + z + " {\n  reload -1s\n }\n}\n", 3, "can't be negative");
        SetupErrors.assertFails("example.org {\n file " + z + " {\n  reload 1s 2s\n }\n}\n", 3, "Wrong argument count");
        SetupErrors.assertFails("example.org {\n file " + z + " {\n  reload_by_mtime yes\n }\n}\n", 3,
                "Wrong argument count");
        SetupErrors.assertFails("example.org {\n file " + z + " {\n  fallthrough {\n  }\n }\n}\n", 3, "unexpected '{'");
    }

    @Test
    void rejectsBadZoneArguments() throws Exception {
        Path z = goodZone();
        SetupErrors.assertFails(". {\n file " + z + " exa..mple.org\n}\n", 2, "");
    }

    @Test
    void missingFileFailsOnlyWithoutReload() {
        Path missing = dir.resolve("db.missing");
        SetupErrors.assertFails("example.org {\n file " + missing + " {\n  reload 0\n }\n}\n", 2,
                "no such readable file");
        assertDoesNotThrow(() -> SetupErrors.build("example.org {\n file " + missing + "\n}\n"));
    }

    @Test
    void zoneWithoutSoaFailsAtTheDirective() throws Exception {
        Path z = zone("db.nosoa", "$ORIGIN example.org.\n$TTL 60\nwww IN A 192.0.2.1\n");
        ConfigException e = SetupErrors.assertFails("example.org {\n\n file " + z + "\n}\n", 3,
                "has no SOA record for origin example.org.");
        assertTrue(e.getMessage().contains(z.toString()), e.getMessage());
    }

    @Test
    void soaOfAnotherOriginDoesNotCount() throws Exception {
        Path z = zone("db.other", "$ORIGIN example.net.\n$TTL 60\n" + SOA);
        SetupErrors.assertFails("example.org {\n file " + z + "\n}\n", 2, "has no SOA record");
    }

    /** Zone syntax errors point into the zone file; the message names the Corefile line too. */
    private ConfigException zoneFails(Path z, int line, String fragment) {
        ConfigException e = SetupErrors.assertFailsIn(z.toString(),
                () -> SetupErrors.build("example.org {\n file " + z + "\n}\n"), line, fragment);
        assertTrue(e.getMessage().contains("file directive at Corefile:2"), e.getMessage());
        return e;
    }

    @Test
    void malformedRecordsFailWithZoneFileAndLine() throws Exception {
        zoneFails(zone("db.badaddr", "$ORIGIN example.org.\n$TTL 60\n" + SOA + "\nwww IN A 192.0.2\n"), 5,
                "Invalid address");
        zoneFails(zone("db.badtype", "$ORIGIN example.org.\n" + SOA + "www IN BOGUS x\n"), 3, "Invalid type");
        zoneFails(zone("db.badttl", "$ORIGIN example.org.\n$TTL soon\n" + SOA), 2, "");
        zoneFails(zone("db.badmx", "$ORIGIN example.org.\n" + SOA + "@ IN MX high mail\n"), 3, "");
    }

    @Test
    void includeIsRefused() throws Exception {
        zone("db.included", "www IN A 192.0.2.1\n");
        Path z = zone("db.include",
                "$ORIGIN example.org.\n$TTL 60\n" + SOA + "$INCLUDE " + dir.resolve("db.included") + "\n");
        zoneFails(z, 4, "$INCLUDE");
    }

    @Test
    void zoneFilesThatAreNotTextFailAtTheirLine() throws Exception {
        Path utf8 = dir.resolve("db.latin1");
        Files.write(utf8, ("$ORIGIN example.org.\n" + SOA + "www IN TXT \"caf\u00e9\"\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        zoneFails(utf8, 3, "not text: invalid UTF-8");
        Path nul = dir.resolve("db.nul");
        Files.write(nul,
                ("$ORIGIN example.org.\n" + SOA + "\n\n\0\0\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        zoneFails(nul, 5, "not text: NUL byte");
        Path fine = zone("db.utf8", "$ORIGIN example.org.\n" + SOA + "www IN TXT \"caf\u00e9\"\n");
        assertDoesNotThrow(() -> SetupErrors.build("example.org {\n file " + fine + "\n}\n"));
    }
}
