package io.nodedns.plugin.file;

import io.nodedns.config.FileContentException;
import io.nodedns.data.DataBudget;
import io.nodedns.log.Log;
import io.nodedns.plugin.file.ZoneFileReader.ZoneRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.xbill.DNS.Name;

/**
 * One zone served by {@code file}: where it comes from, how often to check it, and the snapshot
 * queries read. The snapshot is replaced whole by one volatile store (reload), never edited.
 */
final class ZoneSlot {
    final Name origin;
    final Path file;
    final Duration reload;
    final boolean reloadByMtime;
    private volatile ZoneSnapshot snapshot;
    private FileTime loadedMtime;

    ZoneSlot(Name origin, Path file, Duration reload, boolean reloadByMtime) {
        this.origin = origin;
        this.file = file;
        this.reload = reload;
        this.reloadByMtime = reloadByMtime;
    }

    /** The zone as queries see it now; null until a file with a SOA has been read. */
    ZoneSnapshot snapshot() {
        return snapshot;
    }

    /** Reads the file now and serves it (setup). */
    void load() throws FileContentException {
        FileTime mtime = mtime();
        ZoneRecords records = ZoneFileReader.read(file, origin);
        try {
            snapshot = ZoneCompiler.compile(records);
        } catch (DataBudget.DataLimitException e) {
            throw new FileContentException(file.toString(), 0,
                    "zone file \"" + file + "\" is too large: " + e.getMessage());
        }
        loadedMtime = mtime;
    }

    /** The periodic reload check: an unexpected failure is logged for this zone and the next check tries again. */
    void reloadCheck() {
        try {
            reloadIfChanged();
        } catch (RuntimeException e) {
            Log.error("file", "Reloading zone \"" + origin + "\": " + e);
        }
    }

    /**
     * The periodic check (CoreDNS reload.go): re-read the file and swap the zone in when its SOA
     * serial differs from the one served (or, with reload_by_mtime, when the file is newer). A
     * file that cannot be read or parsed keeps the old zone and logs an error.
     *
     * @return true if a new snapshot was swapped in
     */
    boolean reloadIfChanged() {
        FileTime mtime = mtime();
        if (reloadByMtime && mtime != null && loadedMtime != null && mtime.compareTo(loadedMtime) <= 0) {
            return false;
        }
        ZoneSnapshot current = snapshot;
        long unlessSerial = !reloadByMtime && current != null ? current.serial : -1;
        ZoneRecords records;
        try {
            // stops at the SOA when the serial is the one served: an unchanged zone costs no rebuild
            records = ZoneFileReader.read(file, origin, unlessSerial,
                    current == null ? DataBudget.forFile() : DataBudget.forReload(current.retainedBytes()));
        } catch (FileContentException e) {
            String where = e.line > 0 ? e.file + ":" + e.line + ": " : "";
            Log.error("file", "Parsing zone \"" + origin + "\": " + where + e.getMessage());
            return false;
        }
        if (records == null) {
            return false;
        }
        ZoneSnapshot next;
        try {
            next = ZoneCompiler.compile(records);
        } catch (DataBudget.DataLimitException e) {
            Log.error("file",
                    "Building zone \"" + origin + "\" from " + file + ": zone file is too large: " + e.getMessage());
            return false;
        } catch (RuntimeException e) {
            Log.error("file", "Building zone \"" + origin + "\" from " + file + ": " + e);
            return false;
        }
        snapshot = next;
        loadedMtime = mtime;
        Log.info("file", "Successfully reloaded zone \"" + origin + "\" in \"" + file + "\" with " + next.serial
                + " SOA serial");
        return true;
    }

    private FileTime mtime() {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }
}
