package io.nodedns.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.xbill.DNS.Message;

/**
 * {@code io.nodedns.Main} (or another program, {@link #run}) in a child JVM run from this test's
 * class path, with the image's JVM flags (read from deploy/image/nodedns), for tests whose figures depend on the image's heap
 * (-Xmx128m), on RSS, or on a real process (signals, exit codes). Output goes to a log file.
 * Closing stops it: SIGTERM, then SIGKILL after 15 s.
 */
public final class ImageJvm implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final long startedNanos;

    private ImageJvm(Process process, Path log, long startedNanos) {
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    /** The JVM options of the image's launcher, deploy/image/nodedns (its exec line, up to {@code -jar}). */
    public static List<String> flags() throws IOException {
        String launcher = Files.readString(Path.of("deploy/image/nodedns"));
        List<String> flags = new ArrayList<>();
        for (String token : launcher.substring(launcher.indexOf("exec ")).split("\\s+")) {
            if (token.equals("-jar")) {
                break;
            }
            if (token.startsWith("-X") || token.startsWith("--add-") || token.startsWith("--enable-native-access")) {
                flags.add(token);
            }
        }
        if (!flags.contains("-Xmx128m")) {
            throw new IOException("the image's flags changed, check this test: " + flags);
        }
        return flags;
    }

    /** Only the image's module-access flags ({@code --add-exports}...): the JVM's own defaults for memory and GC. */
    public static List<String> accessFlags() throws IOException {
        return flags().stream().filter(f -> f.startsWith("--")).toList();
    }

    /** Starts {@code io.nodedns.Main -conf corefile} with the image's flags, output to {@code log}. */
    public static ImageJvm start(Path corefile, Path log) throws IOException {
        return start(log, List.of(), "-conf", corefile.toString());
    }

    /** Starts {@code io.nodedns.Main args} with the image's flags then {@code extraFlags}, output to {@code log}. */
    public static ImageJvm start(Path log, List<String> extraFlags, String... args) throws IOException {
        List<String> jvm = new ArrayList<>(flags());
        jvm.addAll(extraFlags);
        return launch(log, jvm, args);
    }

    /** Starts {@code io.nodedns.Main args} with only the image's {@link #accessFlags()}, output to {@code log}. */
    public static ImageJvm startWithDefaultMemory(Path log, String... args) throws IOException {
        return launch(log, accessFlags(), args);
    }

    /**
     * Starts {@code mainClass args} (a program of this test class path, e.g. a measurement that must
     * see the image's compilers and heap) with the image's flags, output to {@code log}.
     */
    public static ImageJvm run(Path log, Class<?> mainClass, String... args) throws IOException {
        return launchMain(log, flags(), mainClass.getName(), args);
    }

    private static ImageJvm launch(Path log, List<String> jvmFlags, String... args) throws IOException {
        return launchMain(log, jvmFlags, "io.nodedns.Main", args);
    }

    private static ImageJvm launchMain(Path log, List<String> jvmFlags, String mainClass, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        long started = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ImageJvm(p, log, started);
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Milliseconds since the JVM was started. */
    public long millisSinceStart() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    /** What the process has written so far (stdout and stderr), or why it cannot be read. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Asks {@code query} until a reply comes (whatever its rcode), the process exits or {@code within}
     * passes (it may not be listening yet); the reply, else an AssertionError with the log.
     */
    public Message awaitReply(DnsClient client, Message query, Duration within) throws Exception {
        return awaitReply(client, query, within, m -> true);
    }

    /** As {@link #awaitReply(DnsClient, Message, Duration)}, until a reply that is {@code wanted}. */
    public Message awaitReply(DnsClient client, Message query, Duration within, Predicate<Message> wanted)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("server exited " + process.exitValue() + ": " + log());
            }
            try {
                Message m = client.udp(query);
                if (m != null && wanted.test(m)) {
                    return m;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no reply within " + within.toSeconds() + " s: " + log());
    }

    /** Waits until {@code count} lines of the log contain {@code text}. */
    public void awaitLines(String text, int count, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (Files.readAllLines(log).stream().filter(l -> l.contains(text)).count() >= count) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(count + " lines with \"" + text + "\" not seen: " + log());
    }

    /** A field of /proc/PID/status as written there ("VmHWM" gives "12345 kB"), or "?" if it cannot be read. */
    public String status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return line.substring(field.length() + 1).trim();
                }
            }
        } catch (IOException e) {
            return "?";
        }
        return "?";
    }

    /** A size field of /proc/PID/status (VmRSS, VmHWM) in KiB (Linux). */
    public long statusKiB(String field) throws IOException {
        String value = status(field);
        if (!value.endsWith(" kB")) {
            throw new IOException("no " + field + " for " + pid() + ": " + value);
        }
        return Long.parseLong(value.substring(0, value.length() - 3).trim());
    }

    /** VmRSS in KiB. */
    public long rssKiB() throws IOException {
        return statusKiB("VmRSS");
    }

    /** The soft limit on open files, from /proc/PID/limits. */
    public long openFileLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/limits"))) {
            if (line.startsWith("Max open files")) {
                return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no open-file limit in /proc/" + pid() + "/limits");
    }

    /** Runs {@code jcmd PID command} with this JDK; its output. Fails if jcmd does. */
    public String jcmd(String command) throws IOException, InterruptedException {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Process p = new ProcessBuilder(java.resolveSibling("jcmd").toString(), Long.toString(pid()), command)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + command + ": " + out);
        }
        return out;
    }

    /** Sends signal {@code name} (TERM, USR1...) with kill(1). */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " failed");
        }
    }

    /** Waits for the process to exit; whether it did within {@code within}. */
    public boolean waitFor(Duration within) throws InterruptedException {
        return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int exitValue() {
        return process.exitValue();
    }

    /** SIGTERM, then SIGKILL if it has not exited after 15 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
