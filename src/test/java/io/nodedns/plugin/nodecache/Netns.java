package io.nodedns.plugin.nodecache;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test creates and always deletes: nodedns JVMs, iptables and clients run
 * inside it with {@code ip netns exec}, so the host's rules and addresses are never touched and
 * DNS traffic stays inside. Public for the tests of other packages that need a network of their own
 * (forward's send errors).
 */
public final class Netns implements AutoCloseable {
    public final String name;
    private final List<Process> processes = new ArrayList<>();

    private Netns(String name) {
        this.name = name;
    }

    /** Skips the calling test unless we are root with ip and iptables; then creates a namespace with lo up. */
    public static Netns create(String purpose) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) || uid() == 0,
                "needs root (network namespaces, iptables); skipped");
        for (String tool : List.of("ip", "iptables", "iptables-save", "ip6tables")) {
            assumeTrue(onPath(tool), tool + " is not installed; skipped");
        }
        String name = "nodedns-test-" + purpose + "-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime() % 100000;
        Result add = host("ip", "netns", "add", name);
        assumeTrue(add.code == 0, "cannot create a network namespace (" + add.out.strip() + "); skipped");
        Netns ns = new Netns(name);
        ns.exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    public record Result(int code, String out) {
    }

    public Result exec(String... argv) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(argv));
        return host(cmd.toArray(String[]::new));
    }

    static Result host(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out);
        }
        return new Result(p.exitValue(), out);
    }

    /** Starts a JVM running {@code mainClass} inside the namespace with nodedns's JVM flags; output to log. */
    public Process java(Path log, String mainClass, String... args) throws IOException {
        return java(java.util.Map.of(), log, mainClass, args);
    }

    /** The same with extra environment variables. */
    Process java(java.util.Map<String, String> env, Path log, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    /** The iptables-save lines (v4 and v6) that carry node-cache's comment. */
    List<String> nodecacheRules() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String save : List.of("iptables-save", "ip6tables-save")) {
            for (String line : exec(save).out.split("\n")) {
                if (line.contains("NodeLocal DNS Cache")) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    /** Waits until a file contains the text (a started line in a log); false at the deadline. */
    public static boolean await(Path file, String text, Process process, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline && process.isAlive()) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return true;
            }
            Thread.sleep(50);
        }
        return Files.exists(file) && Files.readString(file).contains(text);
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        Result pids = host("ip", "netns", "pids", name);
        for (String pid : pids.out.split("\\s+")) {
            if (pid.matches("\\d+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        Thread.sleep(200);
        host("ip", "netns", "del", name);
        host("rm", "-rf", "/etc/netns/" + name);
    }

    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private static long uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (Exception e) {
            return -1;
        }
    }
}
