package io.nodedns.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a process from /proc/PID/stat: utime + stime (fields 14 and 15), all threads. */
final class ProcStat {
    /** USER_HZ: the unit of those fields; 100 on every mainstream Linux architecture. */
    static final long CLK_TCK = Long.getLong("loadgen.clktck", 100);

    private ProcStat() {}

    /** CPU time in microseconds, or -1 when the process or /proc is not there. */
    static long cpuMicros(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // comm (field 2) is in parentheses and may contain spaces: split after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // f[0] is field 3 (state), so field N is f[N - 3]
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1_000_000L / CLK_TCK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
