package io.nodedns.k8s;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The last known endpoint list of one Service in a small text file: a comment line, then one
 * {@code host:port} per line ({@code [v6]:port} for IPv6). Written to a temporary file in the same
 * directory and renamed over the old one, so a reader sees the old or the new list, never a part.
 */
public final class EndpointSnapshot {
    private EndpointSnapshot() {}

    public static void write(Path file, String source, List<InetSocketAddress> addresses) throws IOException {
        StringBuilder sb = new StringBuilder("# nodedns kubeforward endpoints of ").append(source).append('\n');
        for (InetSocketAddress a : addresses) {
            sb.append(HostPorts.format(a)).append('\n');
        }
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The saved list; empty if the file does not exist. Lines that do not parse are skipped. */
    public static Optional<List<InetSocketAddress>> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            InetSocketAddress a = HostPorts.parse(line, -1);
            if (a != null) {
                out.add(a);
            }
        }
        return Optional.of(List.copyOf(out));
    }
}
