package io.nodedns.plugin.nodecache;

import java.util.List;

/** Runs one external command ({@code ip}, {@code iptables}); injectable so tests can see what would run. */
public interface CommandRunner {
    /** The exit status (-1 when the command could not run or timed out) and its combined output. */
    record Outcome(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    Outcome run(List<String> argv);
}
