package io.nodedns.plugin.nodecache;

import io.nodedns.plugin.bind.IpLiteral;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code -A CHAIN ...} line of {@code iptables-save}, as option → value. Matching by options
 * instead of by text keeps working across iptables versions and backends (legacy and nft print the
 * same options; the order is not guaranteed), and a rule with any extra match is not ours.
 */
record SaveLine(String chain, Map<String, String> options, List<String> modules) {
    private static final java.util.Set<String> OURS = java.util.Set.of("-p", "-d", "-s", "--dport", "--sport", "-j",
            "--comment", "-m");

    /** Parses a rule line, or returns null for anything else (table headers, chain policies, COMMIT). */
    static SaveLine parse(String text) {
        List<String> tokens = tokens(text);
        if (tokens.size() < 2 || !tokens.getFirst().equals("-A")) {
            return null;
        }
        Map<String, String> options = new HashMap<>();
        List<String> modules = new ArrayList<>();
        for (int i = 2; i < tokens.size(); i++) {
            String option = tokens.get(i);
            String value = i + 1 < tokens.size() ? tokens.get(i + 1) : "";
            if (option.equals("-m")) {
                modules.add(value);
            } else if (options.containsKey(option) || !OURS.contains(option)) {
                options.put("!extra", option); // negations, interfaces, other matches: not a node-cache rule
            } else {
                options.put(option, value);
            }
            i++;
        }
        return new SaveLine(tokens.get(1), options, modules);
    }

    boolean is(String proto, boolean destination, String ip, int port, String target, String comment) {
        if (options.containsKey("!extra") || options.size() != 5) {
            return false;
        }
        String address = options.get(destination ? "-d" : "-s");
        String portText = options.get(destination ? "--dport" : "--sport");
        return proto.equals(options.get("-p")) && address != null && sameHost(address, ip)
                && Integer.toString(port).equals(portText) && target.equals(options.get("-j"))
                && comment.equals(options.get("--comment"))
                && modules.stream().allMatch(m -> m.equals(proto) || m.equals("comment"));
    }

    private static boolean sameHost(String saved, String ip) {
        int slash = saved.indexOf('/');
        String host = slash < 0 ? saved : saved.substring(0, slash);
        String want = IpLiteral.normalize(ip);
        boolean v6 = ip.indexOf(':') >= 0;
        if (slash >= 0 && !saved.substring(slash + 1).equals(v6 ? "128" : "32")) {
            return false;
        }
        return want != null && want.equals(IpLiteral.normalize(host));
    }

    /** Splits like iptables-save quotes: double quotes group, backslash escapes the next character. */
    static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                current.append(text.charAt(++i));
                any = true;
            } else if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    out.add(current.toString());
                    current.setLength(0);
                    any = false;
                }
            } else {
                current.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(current.toString());
        }
        return out;
    }
}
