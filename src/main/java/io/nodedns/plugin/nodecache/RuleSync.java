package io.nodedns.plugin.nodecache;

import io.nodedns.log.Log;
import java.util.List;

/**
 * Brings one family's rules to exactly one copy each: reads every table once with
 * {@code iptables-save}, inserts a missing rule at the top of its chain and deletes extra copies
 * (left by racing node-cache instances or a flaky {@code -C}, kubernetes/dns#568). Counting from
 * the save output, not {@code -C}, is what keeps restarts over leftover rules duplicate-free.
 */
final class RuleSync {
    private RuleSync() {}

    /**
     * @param seen rules this process has already found in place or installed: only a missing one of
     *             those was removed by someone and is "added back"; the others are new (first pass,
     *             new addresses after a reload) and are summed up in one line per table
     */
    static void ensure(Iptables iptables, List<Rule> rules, SetupErrorCounts errors, java.util.Set<Rule> seen) {
        for (String table : List.of("raw", "filter")) {
            List<Rule> inTable = rules.stream().filter(r -> r.table().equals(table)).toList();
            if (inTable.isEmpty()) {
                continue;
            }
            CommandRunner.Outcome saved = iptables.save(table);
            if (!saved.ok()) {
                errors.failed(Iptables.errorType(saved), "Error reading " + table + " table with "
                        + iptables.command() + "-save: " + saved.output().strip());
                continue;
            }
            List<SaveLine> lines = Iptables.lines(saved.output());
            int installed = 0;
            int found = 0;
            for (Rule rule : inTable) {
                int copies = count(lines, rule);
                boolean known = seen.contains(rule);
                if (copies > 0 && !known) {
                    found++;
                    seen.add(rule);
                }
                if (copies == 0) {
                    CommandRunner.Outcome added = iptables.insertFirst(rule);
                    if (added.ok()) {
                        if (known) {
                            Log.info("nodecache", "Added back nodelocaldns rule - " + rule);
                        } else {
                            installed++;
                            seen.add(rule);
                        }
                    } else {
                        errors.failed(Iptables.errorType(added),
                                "Error adding iptables rule " + rule + ": " + added.output().strip());
                    }
                }
                for (int extra = copies - 1; extra > 0; extra--) {
                    CommandRunner.Outcome deleted = iptables.delete(rule);
                    if (!deleted.ok()) {
                        errors.failed(Iptables.errorType(deleted), "Error deleting duplicate rule " + rule + ": "
                                + deleted.output().strip());
                        break;
                    }
                    Log.info("nodecache", "Removed duplicate nodelocaldns rule - " + rule);
                }
            }
            if (installed + found > 0) {
                Log.info("nodecache", iptables.command() + " " + table + ": installed " + installed
                        + " nodelocaldns rules, " + found + " already in place");
            }
        }
    }

    /** Deletes every copy of every rule; re-reads and repeats a few times in case another writer raced us. */
    static void removeAll(Iptables iptables, List<Rule> rules) {
        for (String table : List.of("raw", "filter")) {
            for (int round = 0; round < 3; round++) {
                CommandRunner.Outcome saved = iptables.save(table);
                if (!saved.ok()) {
                    Log.error("nodecache", "Error reading " + table + " for teardown: " + saved.output().strip());
                    break;
                }
                List<SaveLine> lines = Iptables.lines(saved.output());
                int left = 0;
                for (Rule rule : rules) {
                    if (!rule.table().equals(table)) {
                        continue;
                    }
                    for (int copies = count(lines, rule); copies > 0; copies--) {
                        left++;
                        CommandRunner.Outcome deleted = iptables.delete(rule);
                        if (!deleted.ok()) {
                            Log.error("nodecache",
                                    "Failed deleting iptables rule " + rule + ": " + deleted.output().strip());
                            break;
                        }
                    }
                }
                if (left == 0) {
                    break;
                }
            }
        }
    }

    static int count(List<SaveLine> lines, Rule rule) {
        int n = 0;
        for (SaveLine line : lines) {
            if (rule.matches(line)) {
                n++;
            }
        }
        return n;
    }
}
