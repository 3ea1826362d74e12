package io.nodedns.plugin.nodecache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands as child processes with a hard timeout: a hung {@code iptables} (xtables lock,
 * slow nft) is killed, reported as exit -1 and retried by the caller, never waited on forever.
 */
final class ProcessRunner implements CommandRunner {
    private final Duration timeout;

    ProcessRunner(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public Outcome run(List<String> argv) {
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Outcome(-1, "cannot run " + argv.getFirst() + ": " + e.getMessage());
        }
        // Drain output concurrently: iptables-save on a kube-proxy node prints far more than a pipe holds.
        CompletableFuture<String> output = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> output.complete(read(process.getInputStream())));
        try {
            process.getOutputStream().close();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Outcome(-1, argv.getFirst() + " timed out after " + timeout.toMillis() + " ms");
            }
            return new Outcome(process.exitValue(), output.get(1, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return new Outcome(-1, "interrupted");
        } catch (Exception e) {
            return new Outcome(process.isAlive() ? -1 : process.exitValue(), "output unreadable: " + e.getMessage());
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
