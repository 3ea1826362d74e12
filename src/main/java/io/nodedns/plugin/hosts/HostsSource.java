package io.nodedns.plugin.hosts;

import io.nodedns.config.FileContentException;
import io.nodedns.config.TextInput;
import io.nodedns.data.DataBudget;
import io.nodedns.log.Log;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.Periodic;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * Keeps the current {@link HostsTable} for one {@code hosts} directive: reads the file at setup,
 * then re-reads it every {@code reload} period on a virtual thread when its modification time or
 * size changed, and publishes each new table with one volatile store. The thread is started and
 * stopped through the plugin lifecycle, so a Corefile reload never leaks a timer. A file that
 * cannot be read keeps the last table (CoreDNS does the same).
 */
final class HostsSource implements Lifecycle {
    /** Hosts files are read up to this size (docs/plugins/hosts.md); the data budget usually ends a load first. */
    static final long MAX_FILE_BYTES = 1L << 30;

    private final HostsConfig config;
    /** The inline lines, which override the file's entries per name and family (and per address for PTR). */
    private final HostsTable inline;
    private final Periodic timer;
    private volatile HostsTable file;
    private volatile double reloadTimestampSeconds;
    private FileTime lastModified;
    private long lastSize = -1;

    /** Reads the inline lines and the file now; a file that is not text or too large fails the setup. */
    HostsSource(HostsConfig config) throws IOException {
        this.config = config;
        HostsTable.Builder builder = new HostsTable.Builder(DataBudget.forFile());
        new HostsParser(config.origins(), config.autoReverse())
                .parse(new BufferedReader(new StringReader(String.join("\n", config.inline()))), builder);
        this.inline = builder.build();
        this.file = HostsTable.empty();
        load();
        this.timer = new Periodic("nodedns-hosts-reload", config.reload(), this::refresh);
    }

    HostsTable inline() {
        return inline;
    }

    HostsTable file() {
        return file;
    }

    /** coredns_hosts_entries: file and inline entries counted separately, overrides included. */
    int entries() {
        return file.entries() + inline.entries();
    }

    HostsConfig config() {
        return config;
    }

    /** The modification time of the file behind the current table, in seconds (0 before any read). */
    double reloadTimestampSeconds() {
        return reloadTimestampSeconds;
    }

    /** Re-reads the file if it changed since the last read; true if a new table was published. */
    synchronized boolean refresh() {
        try {
            return load();
        } catch (FileContentException e) {
            Log.error("hosts", "Failed to reload hosts file: " + where(e) + e.getMessage());
            return false;
        }
    }

    /**
     * Reads the file if it changed. While the new table is built the old one keeps serving, so a
     * reload holds both for a moment (plus one line of text); the old one is garbage once swapped.
     */
    private synchronized boolean load() throws FileContentException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(config.file(), BasicFileAttributes.class);
        } catch (IOException e) {
            return false; // missing or unreadable: keep serving what we have (setup already warned)
        }
        if (!attributes.isRegularFile()
                || (attributes.lastModifiedTime().equals(lastModified) && attributes.size() == lastSize)) {
            return false;
        }
        String name = config.file().toString();
        // the table being replaced serves until the new one is built: both must fit the budget
        HostsTable.Builder builder = new HostsTable.Builder(DataBudget.forReload(file.retainedBytes()));
        TextInput text = null;
        try (InputStream raw = Files.newInputStream(config.file())) {
            text = new TextInput(raw, name, MAX_FILE_BYTES, false);
            // ISO-8859-1 maps every byte to one char: a non-ASCII name is then simply invalid and skipped
            new HostsParser(config.origins(), config.autoReverse())
                    .parse(new BufferedReader(new InputStreamReader(text, StandardCharsets.ISO_8859_1), 1 << 16),
                            builder);
        } catch (TextInput.NotTextException e) {
            throw e; // fails the setup, where another read error only warns
        } catch (DataBudget.DataLimitException e) {
            throw new FileContentException(name, text == null ? 0 : text.line(),
                    "hosts file is too large: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            Log.warning("hosts", "Failed to read hosts file " + name + ": " + e.getMessage());
            return false;
        }
        HostsTable next;
        try {
            next = builder.build();
        } catch (DataBudget.DataLimitException e) {
            throw new FileContentException(name, 0, "hosts file is too large: " + e.getMessage());
        }
        file = next;
        lastModified = attributes.lastModifiedTime();
        lastSize = attributes.size();
        reloadTimestampSeconds = lastModified.toMillis() / 1000.0;
        return true;
    }

    static String where(FileContentException e) {
        return e.line > 0 ? e.file + ":" + e.line + ": " : e.file + ": ";
    }

    @Override
    public synchronized void start() {
        if (config.reload().isZero() || timer.running()) {
            return;
        }
        refresh();
        timer.start();
    }

    @Override
    public synchronized void stop() { // not during start()'s refresh: its timer would then outlive the stop
        timer.stop();
    }

    /** Whether the reload timer is running (tests). */
    boolean timerRunning() {
        return timer.running();
    }
}
