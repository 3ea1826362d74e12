package io.nodedns.plugin.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A nodedns server in a child JVM with the image's flags (read from deploy/image/nodedns), run
 * from this test's class path, for tests whose figures depend on the image's heap (-Xmx128m) or on RSS.
 */
final class ImageJvm {
    /** The JVM options of the image's launcher, deploy/image/nodedns (its exec line, up to {@code -jar}). */
    static List<String> flags() throws IOException {
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

    private ImageJvm() {}

    /** Starts {@code io.nodedns.Main -conf corefile}, output to {@code log}. */
    static Process start(Path corefile, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(flags());
        String extra = System.getProperty("imagejvm.extra", "");
        if (!extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.nodedns.Main");
        cmd.addAll(List.of("-conf", corefile.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * The node-local-dns Corefile of deploy/nodelocaldns.yaml on 127.0.0.1:{@code port}, every
     * block forwarding to {@code upstream} (host:port) and exporting metrics on {@code metrics};
     * {@code extra} more blocks {@code stubN.example} with {@code cache 30}. The `cluster.local`
     * block's cache reads {@code clusterCache} (lines inside `cache { }`).
     */
    static String nodeLocal(int port, String upstream, int metrics, String clusterCache, int extra) {
        String common = """
                    reload
                    loop
                    bind 127.0.0.1
                """;
        StringBuilder b = new StringBuilder();
        b.append("cluster.local:").append(port).append(" {\n    errors\n    cache {\n").append(clusterCache).append("    }\n")
                .append(common).append("    forward . ").append(upstream).append(" {\n        force_tcp\n    }\n")
                .append("    prometheus 127.0.0.1:").append(metrics).append("\n}\n");
        for (String zone : List.of("in-addr.arpa", "ip6.arpa")) {
            b.append(zone).append(':').append(port).append(" {\n    errors\n    cache 30\n").append(common)
                    .append("    forward . ").append(upstream).append(" {\n        force_tcp\n    }\n")
                    .append("    prometheus 127.0.0.1:").append(metrics).append("\n}\n");
        }
        b.append(".:").append(port).append(" {\n    errors\n    cache 30\n").append(common)
                .append("    forward . ").append(upstream).append("\n    prometheus 127.0.0.1:").append(metrics).append("\n}\n");
        for (int i = 0; i < extra; i++) {
            b.append("stub").append(i).append(".example:").append(port).append(" {\n    errors\n    cache 30\n").append(common)
                    .append("    forward . ").append(upstream).append("\n}\n");
        }
        return b.toString();
    }

    /** The line (1-based) of the {@code n}-th (1-based) "cache" directive of a Corefile. */
    static int cacheLine(String corefile, int n) {
        String[] lines = corefile.split("\n", -1);
        for (int i = 0, seen = 0; i < lines.length; i++) {
            if (lines[i].trim().startsWith("cache") && ++seen == n) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("no cache directive " + n);
    }

    /** VmRSS of a process in KiB, from /proc (Linux). */
    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    /** Runs {@code jcmd PID COMMAND} with this JDK; its output. */
    static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Process p = new ProcessBuilder(java.resolveSibling("jcmd").toString(), Long.toString(pid), command)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    static void signal(Process p, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " failed");
        }
    }
}
