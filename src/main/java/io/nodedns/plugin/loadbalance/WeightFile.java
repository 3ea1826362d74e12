package io.nodedns.plugin.loadbalance;

import io.nodedns.config.FileContentException;
import io.nodedns.log.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The weight file behind a {@code weighted} policy: read at setup, then every {@code reload}
 * period ({@link #refresh}, run by a {@link io.nodedns.server.Periodic} the setup registers, so a
 * Corefile reload leaves no timer behind). A new table is published with one volatile store when
 * the content's digest changed, as CoreDNS does with its MD5; a file that cannot be read or parsed
 * on a reload keeps the last table and is logged.
 */
final class WeightFile {
    /** Weight files are small; a larger one is refused rather than held in memory. */
    static final long MAX_BYTES = 16L << 20;

    private final Path path;
    private volatile WeightTable table = WeightTable.EMPTY;
    private byte[] digest;

    WeightFile(Path path) {
        this.path = path;
    }

    WeightTable table() {
        return table;
    }

    /**
     * Reads the file if its content changed; true if a new table was published.
     *
     * @throws IOException the file cannot be read (or is too large)
     * @throws FileContentException a line is malformed (with the file and line)
     */
    synchronized boolean load() throws IOException {
        if (Files.size(path) > MAX_BYTES) {
            throw new IOException("weight file " + path + " is larger than " + MAX_BYTES + " bytes");
        }
        byte[] content = Files.readAllBytes(path);
        byte[] sum = sha256(content);
        if (Arrays.equals(sum, digest)) {
            return false;
        }
        WeightTable next = WeightTable.parse(path.toString(), new String(content, StandardCharsets.UTF_8));
        table = next;
        digest = sum;
        return true;
    }

    /** The periodic check: failures are logged and the last table keeps serving. */
    void refresh() {
        try {
            if (load()) {
                Log.info("loadbalance", "Successfully reloaded weight file " + path);
            }
        } catch (FileContentException e) {
            Log.error("loadbalance", e.file + ":" + e.line + ": " + e.getMessage());
        } catch (IOException e) {
            Log.error("loadbalance", "Failed to read weight file " + path + ": " + e.getMessage());
        }
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
