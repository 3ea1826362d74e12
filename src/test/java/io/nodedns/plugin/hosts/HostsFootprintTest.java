package io.nodedns.plugin.hosts;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.Fallthrough;
import io.nodedns.data.DataBudget;
import io.nodedns.testing.BigConfigFiles;
import io.nodedns.testing.Heap;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packed hosts table's heap per line, measured in process, and the budget's limit. */
class HostsFootprintTest {
    private static final int LINES = Integer.getInteger("hosts.lines", 100_000);

    @TempDir
    Path dir;

    @Test
    void aLineWithItsPtrCostsAFewDozenBytes() throws Exception {
        Path file = dir.resolve("hosts");
        BigConfigFiles.hosts(file, "example.net", LINES);
        HostsConfig config = new HostsConfig(file, List.of("example.net."), List.of(), 3600, true, Duration.ZERO,
                Fallthrough.NEVER, false);
        long before = Heap.usedAfterGc();
        long start = System.nanoTime();
        HostsSource source = new HostsSource(config);
        long millis = (System.nanoTime() - start) / 1_000_000;
        long after = Heap.usedAfterGc();
        double perLine = (after - before) / (double) LINES;
        System.out.printf("hosts: %d lines loaded in %d ms, heap +%.1f MiB, %.1f bytes/line (budget counted %.1f)%n",
                LINES,
                millis, (after - before) / 1048576.0, perLine, source.file().retainedBytes() / (double) LINES);
        assertTrue(perLine < 120, perLine + " bytes per line"); // about 350 before the packed form
        assertTrue(source.entries() > LINES * 19 / 10, "addresses and reverse names: " + source.entries());
    }

    @Test
    void aTableOverItsBudgetFails() throws Exception {
        Path file = dir.resolve("hosts");
        BigConfigFiles.hosts(file, "example.net", 50_000);
        HostsTable.Builder builder = new HostsTable.Builder(new DataBudget(1 << 20, "test"));
        HostsParser parser = new HostsParser(List.of("example.net."), true);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            DataBudget.DataLimitException e = assertThrows(DataBudget.DataLimitException.class,
                    () -> parser.parse(r, builder));
            assertTrue(e.getMessage().contains("would exceed 1 MiB (test)"), e.getMessage());
        }
    }

    @Test
    void aReloadThatIsNotTextKeepsTheServedTable() throws Exception {
        Path file = Files.writeString(dir.resolve("hosts"), "10.0.0.1 a.example.net\n");
        HostsSource source = new HostsSource(new HostsConfig(file, List.of("example.net."), List.of(), 3600, true,
                Duration.ZERO, Fallthrough.NEVER, false));
        assertTrue(source.entries() == 2, "one address, one reverse name");
        Files.write(file, "10.0.0.1 a.example.net\n10.0.0.2 b.example.net\n\0".getBytes(StandardCharsets.US_ASCII));
        assertTrue(!source.refresh(), "not swapped in");
        assertTrue(source.entries() == 2, "the old table still serves");
        Files.writeString(file, "10.0.0.1 a.example.net\n10.0.0.2 b.example.net\n");
        assertTrue(source.refresh(), "a good file is read again");
        assertTrue(source.entries() == 4);
    }
}
