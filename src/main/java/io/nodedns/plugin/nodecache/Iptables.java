package io.nodedns.plugin.nodecache;

import java.util.ArrayList;
import java.util.List;

/**
 * One iptables family on one backend, e.g. {@code iptables-nft} or {@code ip6tables-legacy}: reads
 * a table with {@code -save}, inserts at the top of a chain, deletes. Every change waits for the
 * xtables lock ({@code -w 5}, node-cache's value) instead of failing at once.
 */
record Iptables(CommandRunner runner, String command) {
    static final String LOCK_WAIT_SECONDS = "5";

    CommandRunner.Outcome save(String table) {
        return runner.run(List.of(command + "-save", "-t", table));
    }

    /** The rule lines of a save output. */
    static List<SaveLine> lines(String saveOutput) {
        List<SaveLine> out = new ArrayList<>();
        for (String line : saveOutput.split("\n")) {
            SaveLine parsed = SaveLine.parse(line.strip());
            if (parsed != null) {
                out.add(parsed);
            }
        }
        return out;
    }

    CommandRunner.Outcome insertFirst(Rule rule) {
        List<String> argv = new ArrayList<>(
                List.of(command, "-w", LOCK_WAIT_SECONDS, "-t", rule.table(), "-I", rule.chain(), "1"));
        argv.addAll(rule.spec());
        return runner.run(argv);
    }

    CommandRunner.Outcome delete(Rule rule) {
        List<String> argv = new ArrayList<>(
                List.of(command, "-w", LOCK_WAIT_SECONDS, "-t", rule.table(), "-D", rule.chain()));
        argv.addAll(rule.spec());
        return runner.run(argv);
    }

    /** node-cache's classification: lock contention is counted apart from other failures. */
    static String errorType(CommandRunner.Outcome outcome) {
        String text = outcome.output();
        return text.contains("xtables lock") || text.contains("holding the xtables lock")
                ? "iptables_lock"
                : "iptables";
    }
}
