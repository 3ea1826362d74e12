package io.nodedns.plugin.hosts;

import io.nodedns.log.Log;
import io.nodedns.server.Lifecycle;
import java.io.IOException;
import java.io.Reader;
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
    private final HostsConfig config;
    private final HostsMap inline;
    private volatile HostsTable table;
    private volatile double reloadTimestampSeconds;
    private FileTime lastModified;
    private long lastSize = -1;
    private Thread timer;

    HostsSource(HostsConfig config) throws IOException {
        this.config = config;
        this.inline = HostsMap.parse(new StringReader(String.join("\n", config.inline())), config.origins(),
                config.autoReverse());
        this.table = HostsTable.build(HostsMap.EMPTY, inline, config.ttl());
        refresh();
    }

    HostsTable table() {
        return table;
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
        HostsMap fromFile;
        try (Reader reader = Files.newBufferedReader(config.file(), StandardCharsets.ISO_8859_1)) {
            fromFile = HostsMap.parse(reader, config.origins(), config.autoReverse());
        } catch (IOException | RuntimeException e) {
            Log.warning("hosts", "Failed to read hosts file " + config.file() + ": " + e.getMessage());
            return false;
        }
        table = HostsTable.build(fromFile, inline, config.ttl());
        lastModified = attributes.lastModifiedTime();
        lastSize = attributes.size();
        reloadTimestampSeconds = lastModified.toMillis() / 1000.0;
        return true;
    }

    @Override
    public synchronized void start() {
        if (config.reload().isZero() || timer != null) {
            return;
        }
        refresh();
        timer = Thread.ofVirtual().name("nodedns-hosts-reload").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(config.reload());
                } catch (InterruptedException e) {
                    return;
                }
                refresh();
            }
        });
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.interrupt();
            timer = null;
        }
    }

    /** Whether the reload timer is running (tests). */
    synchronized boolean timerRunning() {
        return timer != null && timer.isAlive();
    }
}
