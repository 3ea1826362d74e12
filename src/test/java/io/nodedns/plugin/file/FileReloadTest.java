package io.nodedns.plugin.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LogCapture;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Reloading on SOA serial change, fallthrough, a file that appears later, and relative DBFILEs, over real sockets. */
class FileReloadTest {
    @TempDir
    Path dir;

    private static String zone(long serial, String wwwAddress) {
        return "$ORIGIN example.org.\n$TTL 60\n@ IN SOA ns1 hostmaster " + serial + " 7200 3600 1209600 300\n"
                + "  IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A " + wwwAddress + "\nc.b IN A 192.0.2.3\n";
    }

    private static String www(DnsClient client) throws IOException {
        Message m = client.udp(DnsClient.query("www.example.org", Type.A));
        assertNotNull(m);
        if (m.getRcode() != Rcode.NOERROR) {
            return "rcode " + Rcode.string(m.getRcode());
        }
        return ((ARecord) m.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress();
    }

    private static String awaitWww(DnsClient client, String expected) throws Exception {
        String seen = null;
        for (int i = 0; i < 100; i++) {
            seen = www(client);
            if (seen.equals(expected)) {
                return seen;
            }
            Thread.sleep(50);
        }
        return seen;
    }

    /** Writes atomically so the reloader never reads half a file. */
    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void swapsTheZoneOnlyWhenTheSerialChanges() throws Exception {
        Path db = dir.resolve("db.example.org");
        write(db, zone(1, "192.0.2.10"));
        int port = FreePorts.udpAndTcp();
        try (LogCapture log = new LogCapture();
                TestServer server = TestServer
                        .fromText("example.org:%d {\n file %s {\n  reload 100ms\n }\n}\n".formatted(port, db));
                DnsClient client = new DnsClient(port)) {
            assertEquals("192.0.2.10", www(client));
            // same serial: the edit is not picked up
            write(db, zone(1, "192.0.2.11"));
            Thread.sleep(600);
            assertEquals("192.0.2.10", www(client));
            // new serial: swapped in
            write(db, zone(2, "192.0.2.12"));
            assertEquals("192.0.2.12", awaitWww(client, "192.0.2.12"));
            assertNotNull(log.await("Successfully reloaded zone \"example.org.\"", 2000));
            // a broken file keeps the old zone and logs the file and line
            write(db, zone(3, "192.0.2.13") + "bad IN A not-an-address\n");
            String error = log.await("[ERROR] plugin/file: Parsing zone \"example.org.\"", 3000);
            assertNotNull(error, String.join("\n", log.lines()));
            assertEquals(true, error.contains(db + ":8"), error);
            assertEquals("192.0.2.12", www(client));
            // a decreasing serial is a change too (CoreDNS compares for equality)
            write(db, zone(1, "192.0.2.14"));
            assertEquals("192.0.2.14", awaitWww(client, "192.0.2.14"));
        }
    }

    @Test
    void reloadZeroNeverRereads() throws Exception {
        Path db = dir.resolve("db.example.org");
        write(db, zone(1, "192.0.2.10"));
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer
                .fromText("example.org:%d {\n file %s {\n  reload 0\n }\n}\n".formatted(port, db));
                DnsClient client = new DnsClient(port)) {
            write(db, zone(2, "192.0.2.12"));
            Thread.sleep(500);
            assertEquals("192.0.2.10", www(client));
        }
    }

    @Test
    void aMissingFileAnswersServfailUntilItAppears() throws Exception {
        Path db = dir.resolve("db.later");
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer
                .fromText("example.org:%d {\n file %s {\n  reload 100ms\n }\n}\n".formatted(port, db));
                DnsClient client = new DnsClient(port)) {
            assertEquals("rcode SERVFAIL", www(client));
            write(db, zone(7, "192.0.2.70"));
            assertEquals("192.0.2.70", awaitWww(client, "192.0.2.70"));
        }
    }

    @Test
    void fallthroughPassesNxdomainButNotNodata() throws Exception {
        Path db = dir.resolve("db.example.org");
        write(db, zone(1, "192.0.2.10"));
        int port = FreePorts.udpAndTcp();
        String corefile = "example.org:%d {\n file %s {\n  fallthrough b.example.org\n }\n marker next\n}\n"
                .formatted(port, db);
        try (TestServer server = TestServer.fromText(corefile); DnsClient client = new DnsClient(port)) {
            Message passed = client.udp(DnsClient.query("x.b.example.org", Type.A));
            assertEquals(List.of("next"), ((TXTRecord) passed.getSection(Section.ANSWER).getFirst()).getStrings());
            // the empty non-terminal b.example.org has no answer and is inside the fallthrough zone
            Message ent = client.udp(DnsClient.query("b.example.org", Type.A));
            assertEquals(Type.TXT, ent.getSection(Section.ANSWER).getFirst().getType());
            // NXDOMAIN outside the fallthrough zones stays with file
            assertEquals(Rcode.NXDOMAIN, client.udp(DnsClient.query("nope.example.org", Type.A)).getRcode());
            // NODATA never falls through
            Message nodata = client.udp(DnsClient.query("c.b.example.org", Type.TXT));
            assertEquals(Rcode.NOERROR, nodata.getRcode());
            assertEquals(0, nodata.getSection(Section.ANSWER).size());
        }
    }

    @Test
    void relativeDbFileIsReadFromTheCorefilesDirectory() throws Exception {
        write(dir.resolve("db.example.org"), zone(1, "192.0.2.10"));
        int port = FreePorts.udpAndTcp();
        Path corefile = dir.resolve("Corefile");
        Files.writeString(corefile, "example.org:%d {\n file db.example.org\n}\n".formatted(port));
        try (TestServer server = TestServer.fromFile(corefile); DnsClient client = new DnsClient(port)) {
            assertEquals("192.0.2.10", www(client));
        }
    }
}
