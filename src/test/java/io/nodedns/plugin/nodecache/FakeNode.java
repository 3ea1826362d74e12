package io.nodedns.plugin.nodecache;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command runner that simulates {@code ip} and {@code iptables} on a node with a kernel that
 * has the dummy link type, recording every command. Rules are kept as iptables-save lines.
 */
public final class FakeNode implements CommandRunner {
    final List<List<String>> commands = new ArrayList<>();
    final Map<String, List<String>> tables = new LinkedHashMap<>(); // "iptables-nft/raw" -> lines
    final Map<String, String> links = new LinkedHashMap<>(); // name -> kind
    final Map<String, List<String>> addresses = new LinkedHashMap<>();
    String failIptablesWith; // output of a failing iptables change, e.g. the lock message
    boolean hasLegacy = true;
    boolean hasNft = true;

    @Override
    public synchronized Outcome run(List<String> argv) {
        commands.add(List.copyOf(argv));
        String cmd = argv.getFirst();
        if (cmd.equals("ip")) {
            return ip(argv);
        }
        if ((cmd.contains("legacy") && !hasLegacy) || (cmd.contains("nft") && !hasNft)) {
            return new Outcome(-1, "cannot run " + cmd);
        }
        if (cmd.endsWith("-save")) {
            String base = cmd.substring(0, cmd.length() - "-save".length());
            StringBuilder out = new StringBuilder();
            for (var e : tables.entrySet()) {
                if (e.getKey().startsWith(base + "/") && (argv.size() < 3 || e.getKey().endsWith("/" + argv.get(2)))) {
                    out.append('*').append(e.getKey().substring(base.length() + 1)).append('\n');
                    e.getValue().forEach(l -> out.append(l).append('\n'));
                    out.append("COMMIT\n");
                }
            }
            return new Outcome(0, out.toString());
        }
        if (failIptablesWith != null) {
            return new Outcome(4, failIptablesWith);
        }
        String table = argv.get(argv.indexOf("-t") + 1);
        List<String> lines = tables.computeIfAbsent(cmd + "/" + table, k -> new ArrayList<>());
        int insert = argv.indexOf("-I");
        if (insert >= 0) {
            lines.addFirst(saveLine(argv.get(insert + 1), argv.subList(insert + 3, argv.size())));
            return new Outcome(0, "");
        }
        int delete = argv.indexOf("-D");
        String line = saveLine(argv.get(delete + 1), argv.subList(delete + 2, argv.size()));
        return lines.remove(line)
                ? new Outcome(0, "")
                : new Outcome(1, "iptables: Bad rule (does a matching rule exist in that chain?).");
    }

    /** The line iptables-save prints for node-cache's spec (-p P -d IP --dport N -j T -m comment --comment C). */
    static String saveLine(String chain, List<String> spec) {
        String proto = spec.get(1);
        String dir = spec.get(2);
        String ip = spec.get(3);
        String mask = ip.contains(":") ? "/128" : "/32";
        return "-A " + chain + " " + dir + " " + ip + mask + " -p " + proto + " -m " + proto + " " + spec.get(4) + " "
                + spec.get(5)
                + " -m comment --comment \"" + spec.get(11) + "\" -j " + spec.get(7);
    }

    private Outcome ip(List<String> argv) {
        String joined = String.join(" ", argv);
        if (joined.startsWith("ip -d link show dev ")) {
            String name = argv.getLast();
            String kind = links.get(name);
            return kind == null
                    ? new Outcome(1, "Device \"" + name + "\" does not exist.")
                    : new Outcome(0,
                            "2: " + name + ": <BROADCAST,NOARP> mtu 1500\n    link/ether 00:00:00:00:00:00\n    " + kind
                                    + " addrgenmode eui64\n");
        }
        if (joined.startsWith("ip link add name ")) {
            links.put(argv.get(4), argv.get(6));
            return new Outcome(0, "");
        }
        if (joined.startsWith("ip link del dev ")) {
            links.remove(argv.getLast());
            addresses.remove(argv.getLast());
            return new Outcome(0, "");
        }
        if (joined.startsWith("ip link set")) {
            return new Outcome(0, "");
        }
        int addr = argv.indexOf("addr");
        if (addr >= 0) {
            String op = argv.get(addr + 1);
            String prefix = argv.get(addr + 2);
            String dev = argv.get(addr + 4);
            List<String> list = addresses.computeIfAbsent(dev, k -> new ArrayList<>());
            if (op.equals("add")) {
                if (list.contains(prefix)) {
                    return new Outcome(2, "RTNETLINK answers: File exists");
                }
                list.add(prefix);
                return new Outcome(0, "");
            }
            return list.remove(prefix)
                    ? new Outcome(0, "")
                    : new Outcome(2, "RTNETLINK answers: Cannot assign requested address");
        }
        return new Outcome(1, "unexpected: " + joined);
    }

    synchronized List<String> lines(String key) {
        return List.copyOf(tables.getOrDefault(key, List.of()));
    }

    synchronized boolean issued(String command) {
        return commands.stream().anyMatch(c -> String.join(" ", c).equals(command));
    }
}
