package io.nodedns.plugin.nodecache;

import java.util.ArrayList;
import java.util.List;

/**
 * One of node-cache's iptables rules, with node-cache's exact argument order and comment, so
 * rules left by node-cache (or by a killed nodedns) are recognised as ours.
 */
record Rule(String table, String chain, String proto, boolean destination, String ip, int port, String target,
        String comment) {
    static final String SKIP_CONNTRACK = "NodeLocal DNS Cache: skip conntrack";
    static final String ALLOW_TRAFFIC = "NodeLocal DNS Cache: allow DNS traffic";

    /** node-cache's 12 rules for one address (kubernetes/dns cmd/node-cache/app/cache_app.go). */
    static List<Rule> forAddress(String ip, int dnsPort, int healthPort) {
        List<Rule> rules = new ArrayList<>(12);
        for (String proto : new String[]{"tcp", "udp"}) {
            rules.add(new Rule("raw", "PREROUTING", proto, true, ip, dnsPort, "NOTRACK", SKIP_CONNTRACK));
        }
        for (String proto : new String[]{"tcp", "udp"}) {
            rules.add(new Rule("filter", "INPUT", proto, true, ip, dnsPort, "ACCEPT", ALLOW_TRAFFIC));
        }
        for (String proto : new String[]{"tcp", "udp"}) {
            rules.add(new Rule("raw", "OUTPUT", proto, false, ip, dnsPort, "NOTRACK", SKIP_CONNTRACK));
        }
        for (String proto : new String[]{"tcp", "udp"}) {
            rules.add(new Rule("filter", "OUTPUT", proto, false, ip, dnsPort, "ACCEPT", ALLOW_TRAFFIC));
        }
        for (String proto : new String[]{"tcp", "udp"}) { // hostNetwork clients (kubernetes/dns#319)
            rules.add(new Rule("raw", "OUTPUT", proto, true, ip, dnsPort, "NOTRACK", SKIP_CONNTRACK));
        }
        rules.add(new Rule("raw", "OUTPUT", "tcp", true, ip, healthPort, "NOTRACK", SKIP_CONNTRACK)); // liveness probe
        rules.add(new Rule("raw", "OUTPUT", "tcp", false, ip, healthPort, "NOTRACK", SKIP_CONNTRACK));
        return rules;
    }

    boolean ipv6() {
        return ip.indexOf(':') >= 0;
    }

    /** The rule spec after the chain, in node-cache's order: {@code -p P -d IP --dport N -j T -m comment --comment C}. */
    List<String> spec() {
        return List.of("-p", proto, destination ? "-d" : "-s", ip, destination ? "--dport" : "--sport",
                Integer.toString(port), "-j", target, "-m", "comment", "--comment", comment);
    }

    /** True if an {@code iptables-save} line of this table is this rule (any option order, nothing extra). */
    boolean matches(SaveLine line) {
        return line.chain().equals(chain) && line.is(proto, destination, ip, port, target, comment);
    }

    @Override
    public String toString() {
        return table + " " + chain + " " + String.join(" ", spec());
    }
}
