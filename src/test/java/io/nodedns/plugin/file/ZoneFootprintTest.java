package io.nodedns.plugin.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.FileContentException;
import io.nodedns.data.DataBudget;
import io.nodedns.testing.BigConfigFiles;
import io.nodedns.testing.Heap;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Name;

/** The packed zone's heap per record, measured in process, and the budget's error naming the file. */
class ZoneFootprintTest {
    private static final int RECORDS = Integer.getInteger("zone.records", 100_000);

    @TempDir
    Path dir;

    @Test
    void aRecordCostsAFewDozenBytes() throws Exception {
        Path file = dir.resolve("big.zone");
        BigConfigFiles.zone(file, "example.org.", RECORDS);
        long before = Heap.usedAfterGc();
        long start = System.nanoTime();
        ZoneFileReader.ZoneRecords records = ZoneFileReader.read(file, Name.fromString("example.org."));
        long readMillis = (System.nanoTime() - start) / 1_000_000;
        ZoneSnapshot snapshot = ZoneCompiler.compile(records);
        long millis = (System.nanoTime() - start) / 1_000_000;
        long after = Heap.usedAfterGc();
        double perRecord = (after - before) / (double) RECORDS;
        System.out.printf("zone: %d records read in %d ms, compiled in %d ms, heap +%.1f MiB, %.1f bytes/record"
                + " (budget counted %.1f)%n", RECORDS, readMillis, millis - readMillis, (after - before) / 1048576.0,
                perRecord, snapshot.retainedBytes() / (double) RECORDS);
        assertTrue(snapshot.store.records() >= RECORDS - 10, "records " + snapshot.store.records());
        assertTrue(perRecord < 80, perRecord + " bytes per record"); // about 830 before the packed form
        assertEquals(snapshot.serial, 2026120601L); // keeps the snapshot reachable until measured
    }

    @Test
    void aZoneOverItsBudgetFailsNamingTheFile() throws Exception {
        Path file = dir.resolve("over.zone");
        BigConfigFiles.zone(file, "example.org.", 50_000);
        FileContentException e = assertThrows(FileContentException.class,
                () -> ZoneFileReader.read(file, Name.fromString("example.org."), -1, new DataBudget(1 << 20, "test")));
        assertEquals(file.toString(), e.file);
        assertTrue(e.getMessage().contains("zone file \"" + file + "\" is too large"), e.getMessage());
        assertTrue(e.line > 1, "the line where the budget ran out");
    }
}
