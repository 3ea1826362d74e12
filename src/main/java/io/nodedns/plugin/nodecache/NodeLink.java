package io.nodedns.plugin.nodecache;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The link that holds the node-local addresses, driven with {@code ip}. Missing: created as a
 * dummy link (node-cache's {@code nodelocaldns}) and set up. Present (ours, node-cache's, or an
 * interface someone else owns): the addresses are (re-)added, "exists" is fine. Removal deletes a
 * dummy link (which drops its addresses) but only the addresses from any other kind of link, so
 * {@code interface lo} or a veth is never deleted.
 */
final class NodeLink {
    private static final Pattern DUMMY_KIND = Pattern.compile("(?m)^\\s+dummy\\b");

    private final CommandRunner runner;
    private final String name;

    NodeLink(CommandRunner runner, String name) {
        this.runner = runner;
        this.name = name;
    }

    /** Makes sure the link exists and holds every address; failures are counted under node-cache's labels. */
    void ensure(List<String> ips, SetupErrorCounts errors) {
        CommandRunner.Outcome show = runner.run(List.of("ip", "-d", "link", "show", "dev", name));
        if (!show.ok()) {
            if (!show.output().contains("does not exist")) {
                errors.failed("interface_check", "Error checking interface " + name + ": " + show.output().strip());
                return;
            }
            CommandRunner.Outcome add = runner.run(List.of("ip", "link", "add", "name", name, "type", "dummy"));
            if (!add.ok()) {
                errors.failed("interface_add",
                        "Failed to add non-existent interface " + name + ": " + add.output().strip());
                return;
            }
            // node-cache leaves the dummy DOWN; IPv6 local routes need it UP, IPv4 does not mind.
            runner.run(List.of("ip", "link", "set", "dev", name, "up"));
            io.nodedns.log.Log.info("nodecache", "Added interface - " + name);
        }
        for (String ip : ips) {
            boolean v6 = ip.indexOf(':') >= 0;
            List<String> argv = v6
                    ? List.of("ip", "-6", "addr", "add", ip + "/128", "dev", name, "nodad")
                    : List.of("ip", "addr", "add", ip + "/32", "dev", name);
            CommandRunner.Outcome add = runner.run(argv);
            if (!add.ok() && !add.output().contains("File exists") && !add.output().contains("already assigned")) {
                errors.failed("interface_check", "Error adding " + ip + " to " + name + ": " + add.output().strip());
            }
        }
    }

    /** Deletes a dummy link, or only these addresses from a link of any other kind. */
    void remove(List<String> ips, SetupErrorCounts errors) {
        CommandRunner.Outcome show = runner.run(List.of("ip", "-d", "link", "show", "dev", name));
        if (!show.ok()) {
            return; // already gone
        }
        if (DUMMY_KIND.matcher(show.output()).find()) {
            CommandRunner.Outcome del = runner.run(List.of("ip", "link", "del", "dev", name));
            if (!del.ok()) {
                errors.failed("interface_check", "Failed to delete interface " + name + ": " + del.output().strip());
            }
            return;
        }
        for (String ip : ips) {
            boolean v6 = ip.indexOf(':') >= 0;
            CommandRunner.Outcome del = runner.run(v6
                    ? List.of("ip", "-6", "addr", "del", ip + "/128", "dev", name)
                    : List.of("ip", "addr", "del", ip + "/32", "dev", name));
            if (!del.ok() && !del.output().contains("Cannot assign")) {
                errors.failed("interface_check",
                        "Failed to remove " + ip + " from " + name + ": " + del.output().strip());
            }
        }
    }
}
