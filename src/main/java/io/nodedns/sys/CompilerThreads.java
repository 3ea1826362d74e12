package io.nodedns.sys;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether this JVM's JIT is compiling, read from Linux's /proc: a HotSpot compiler thread ("C1
 * CompilerThreadN", "C2 CompilerThreadN"; the kernel keeps 15 characters of the name) sleeps on
 * its queue when it has nothing to compile and is running or runnable otherwise. The warm-up
 * (io.nodedns.Warmup) asks this to know when the code its queries made hot is compiled, without
 * loading JMX (docs/operations.md "Start-up and JVM flags").
 */
public final class CompilerThreads {
    private static final Path TASKS = Path.of("/proc/self/task");
    /** The stat files of the compiler threads found so far (they may come and go: re-scanned when none is busy). */
    private static volatile List<Path> stats = List.of();

    private CompilerThreads() {}

    /**
     * True if a compiler thread is running or waiting for a CPU; false when every one sleeps (its
     * queue is empty), or none can be found or read (no /proc, no JIT): callers then stop waiting.
     */
    public static boolean busy() {
        for (Path stat : stats) {
            if (running(stat)) {
                return true;
            }
        }
        List<Path> found = scan();
        stats = found;
        for (Path stat : found) {
            if (running(stat)) {
                return true;
            }
        }
        return false;
    }

    /** How many compiler threads this JVM has now (0 where /proc cannot say). */
    static int count() {
        return scan().size();
    }

    private static List<Path> scan() {
        List<Path> found = new ArrayList<>(2);
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm"));
                    if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                        found.add(task.resolve("stat"));
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return found;
    }

    private static boolean running(Path stat) {
        try {
            return state(Files.readString(stat)) == 'R';
        } catch (IOException | RuntimeException e) {
            return false; // ended: it compiles nothing
        }
    }

    /** The state letter of a /proc stat line: the field after the name in parentheses (which may hold spaces and ')'). */
    static char state(String statLine) {
        int close = statLine.lastIndexOf(')');
        return close >= 0 && close + 2 < statLine.length() ? statLine.charAt(close + 2) : '?';
    }
}
