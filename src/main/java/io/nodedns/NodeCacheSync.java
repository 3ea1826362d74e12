package io.nodedns;

import io.nodedns.log.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * node-cache's ConfigMap sync (app/configmap.go): the Corefile is rendered from -basecorefile and
 * the kube-dns ConfigMap at start, and again whenever a file in either mounted directory changes,
 * checked every -config-period (node-cache's 10 s). The served Corefile then changes under the
 * {@code reload} plugin, or is reloaded at once with -reloadwithsignal (node-cache signals itself).
 * A bad ConfigMap or an unreadable template is logged, counted as a {@code configmap} setup error,
 * and the last good Corefile keeps serving.
 */
final class NodeCacheSync {
    private final NodeCacheFlags flags;
    private final Path target;
    private final Path kubeDnsDir;
    private final int port;
    private final Function<String, String> env;
    private volatile Runnable reload = () -> {};
    private volatile Consumer<String> errors = message -> Log.error("nodecache", message);
    private KubeDnsConfigMap kubeDns = KubeDnsConfigMap.EMPTY;
    // SHA-256 of each directory's files as last read: 32 bytes held, not the files.
    private byte[] baseSeen;
    private byte[] kubeDnsSeen;

    NodeCacheSync(NodeCacheFlags flags, Path target, int port, Function<String, String> env) {
        this.flags = flags;
        this.target = target;
        this.port = port;
        this.env = env;
        this.kubeDnsDir = flags.kubeDnsConfigMap();
    }

    /** What renders mean for the server: a reload at once with -reloadwithsignal, else the reload plugin's turn. */
    void onRendered(Runnable reloadNow) {
        this.reload = flags.reloadWithSignal() ? reloadNow : () -> {};
    }

    /** Where ConfigMap errors go besides the log (node-cache's setup error counter). */
    void onError(Consumer<String> counter) {
        this.errors = counter;
    }

    /**
     * The first render, before anything serves: a missing template or upstream variable is fatal
     * here (nothing to serve yet); a bad kube-dns ConfigMap is logged and left out, as node-cache
     * does at start.
     */
    synchronized void renderAtStart() throws IOException {
        if (kubeDnsDir != null) {
            kubeDnsSeen = readKubeDns();
        }
        try {
            baseSeen = digest(KubeDnsConfigMap.files(baseDir(), target));
            String text = render();
            NodeCacheTemplate.writeAtomically(target, text);
            logRendered();
        } catch (NoSuchFileException e) {
            throw new IOException("-basecorefile " + flags.baseCorefile() + ": no such file");
        }
    }

    /** One pass of the check NodeCacheProcess runs every -config-period; true if a new Corefile was written. */
    synchronized boolean check() {
        boolean changed = false;
        if (kubeDnsDir != null) {
            try {
                byte[] now = digest(KubeDnsConfigMap.files(kubeDnsDir, null));
                if (!Arrays.equals(now, kubeDnsSeen)) {
                    kubeDnsSeen = now;
                    KubeDnsConfigMap next = KubeDnsConfigMap.read(kubeDnsDir);
                    changed = !next.equals(kubeDns);
                    kubeDns = next;
                }
            } catch (IOException | IllegalArgumentException e) {
                errors.accept(e.getMessage() + "; keeping the last good kube-dns configuration " + kubeDns.summary());
            }
        }
        try {
            byte[] now = digest(KubeDnsConfigMap.files(baseDir(), target));
            if (!Arrays.equals(now, baseSeen)) {
                baseSeen = now;
                changed = true;
            }
        } catch (IOException e) {
            errors.accept("Failed to read node-cache config directory " + baseDir() + ": " + e.getMessage());
        }
        if (!changed) {
            return false;
        }
        try {
            String text = render();
            if (text.equals(Files.exists(target) ? Files.readString(target, StandardCharsets.UTF_8) : null)) {
                return false;
            }
            NodeCacheTemplate.writeAtomically(target, text);
            logRendered();
        } catch (IOException | IllegalArgumentException e) {
            errors.accept(
                    "Failed to update " + target + " from -basecorefile " + flags.baseCorefile() + ": " + e.getMessage()
                            + "; the last good Corefile keeps serving");
            return false;
        }
        reload.run();
        return true;
    }

    private byte[] readKubeDns() {
        try {
            byte[] seen = digest(KubeDnsConfigMap.files(kubeDnsDir, null));
            kubeDns = KubeDnsConfigMap.read(kubeDnsDir);
            return seen;
        } catch (IOException | IllegalArgumentException e) {
            errors.accept("Failed to sync kube-dns config directory " + kubeDnsDir + ": " + e.getMessage());
            return null;
        }
    }

    /** Names and contents, NUL-separated (node-cache versions a ConfigMap directory the same way). */
    private static byte[] digest(Map<String, String> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> e : files.entrySet()) {
                sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(e.getValue().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    private String render() throws IOException {
        String base = Files.readString(flags.baseCorefile(), StandardCharsets.UTF_8);
        return NodeCacheTemplate.render(base, flags.localIps(), flags.upstreamSvc(), env, kubeDns, port);
    }

    private void logRendered() {
        Log.info("nodecache",
                "Updated " + target + " with " + kubeDns.stubDomains().size()
                        + " custom stubdomains and upstream servers "
                        + (kubeDns.upstreamNameservers().isEmpty()
                                ? "/etc/resolv.conf"
                                : String.join(" ", kubeDns.upstreamNameservers())));
    }

    private Path baseDir() {
        Path parent = flags.baseCorefile().toAbsolutePath().getParent();
        return Objects.requireNonNullElse(parent, Path.of("/"));
    }
}
