package io.nodedns.plugin.rewrite;

import io.nodedns.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

/** Parses {@code edns0 local|nsid|subnet set|append|replace|unset ... [revert]} (CoreDNS newEdns0Rule). */
final class Edns0Rules {
    private Edns0Rules() {}

    static Rule parse(boolean stop, RewriteSetup.Args a) throws ConfigException {
        if (a.size() < 2) {
            throw a.err(a.last(), "too few arguments for an EDNS0 rule");
        }
        String type = a.lower(0);
        Edns0Rule.Action action = switch (a.lower(1)) {
            case "set" -> Edns0Rule.Action.SET;
            case "append" -> Edns0Rule.Action.APPEND;
            case "replace" -> Edns0Rule.Action.REPLACE;
            case "unset" -> Edns0Rule.Action.UNSET;
            default -> throw a.err(a.token(1), "invalid action: \"" + a.lower(1) + "\"");
        };
        int n = a.size();
        boolean revert = false;
        if (action == Edns0Rule.Action.UNSET) {
            int want = type.equals("local") ? 3 : 2;
            if (!type.equals("local") && !type.equals("nsid") && !type.equals("subnet")) {
                throw a.err(a.token(0), "invalid rule type \"" + type + "\"");
            }
            if (n != want) {
                throw a.err(a.last(),
                        type + " unset action requires exactly " + (want - 1) + " argument" + (want == 2 ? "" : "s"));
            }
        } else if (a.text(n - 1).equals("revert")) {
            revert = true;
            n--;
        }
        return switch (type) {
            case "local" -> {
                if (action != Edns0Rule.Action.UNSET && n != 4) {
                    throw a.err(a.last(), "EDNS0 local rules require three or four args");
                }
                int code = code(a, 2);
                if (action == Edns0Rule.Action.UNSET) {
                    yield Edns0Rule.local(stop, action, code, new byte[0], Edns0Rule.Variable.NONE, false);
                }
                String data = a.text(3);
                if (data.startsWith("{") && data.endsWith("}")) {
                    yield Edns0Rule.local(stop, action, code, null, variable(a, 3), revert);
                }
                yield Edns0Rule.local(stop, action, code, bytes(a, 3), Edns0Rule.Variable.NONE, revert);
            }
            case "nsid" -> {
                if (n != 2) {
                    throw a.err(a.last(), "EDNS0 NSID rules can accept no more than one arg");
                }
                yield Edns0Rule.nsid(stop, action, revert);
            }
            case "subnet" -> {
                if (action == Edns0Rule.Action.UNSET) {
                    yield Edns0Rule.subnet(stop, action, 0, 0, false);
                }
                if (n != 4) {
                    throw a.err(a.last(), "EDNS0 subnet rules require three or four args");
                }
                yield Edns0Rule.subnet(stop, action, mask(a, 2, 32, "IPv4"), mask(a, 3, 128, "IPv6"), revert);
            }
            default -> throw a.err(a.token(0), "invalid rule type \"" + type + "\"");
        };
    }

    /** Go's ParseUint(s, 0, 16): decimal, 0x hex, 0o/0 octal, 0b binary. */
    private static int code(RewriteSetup.Args a, int i) throws ConfigException {
        long v = parseUint(a.text(i));
        if (v < 0 || v > 0xFFFF) {
            throw a.err(a.token(i), "invalid EDNS0 option code \"" + a.text(i) + "\"");
        }
        return (int) v;
    }

    private static int mask(RewriteSetup.Args a, int i, int max, String family) throws ConfigException {
        long v = parseUint(a.text(i));
        if (v < 0 || v > 0xFFFF) {
            throw a.err(a.token(i), "invalid " + family + " bit mask length \"" + a.text(i) + "\"");
        }
        if (v > max) {
            throw a.err(a.token(i), "invalid " + family + " bit mask length " + v);
        }
        return (int) v;
    }

    static long parseUint(String s) {
        String t = s.toLowerCase(Locale.ROOT).replace("_", "");
        int radix = 10;
        if (t.startsWith("0x")) {
            radix = 16;
            t = t.substring(2);
        } else if (t.startsWith("0b")) {
            radix = 2;
            t = t.substring(2);
        } else if (t.startsWith("0o")) {
            radix = 8;
            t = t.substring(2);
        } else if (t.length() > 1 && t.startsWith("0")) {
            radix = 8;
            t = t.substring(1);
        }
        try {
            return t.isEmpty() || t.startsWith("+") || t.startsWith("-") ? -1 : Long.parseLong(t, radix);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Data as in CoreDNS: "0x..." is hex, anything else its bytes. */
    private static byte[] bytes(RewriteSetup.Args a, int i) throws ConfigException {
        String data = a.text(i);
        if (!data.startsWith("0x")) {
            return data.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return HexFormat.of().parseHex(data.substring(2));
        } catch (IllegalArgumentException e) {
            throw a.err(a.token(i), "encoding/hex: invalid byte in \"" + data + "\"");
        }
    }

    private static Edns0Rule.Variable variable(RewriteSetup.Args a, int i) throws ConfigException {
        return switch (a.text(i)) {
            case "{qname}" -> Edns0Rule.Variable.QNAME;
            case "{qtype}" -> Edns0Rule.Variable.QTYPE;
            case "{client_ip}" -> Edns0Rule.Variable.CLIENT_IP;
            case "{client_port}" -> Edns0Rule.Variable.CLIENT_PORT;
            case "{protocol}" -> Edns0Rule.Variable.PROTOCOL;
            case "{server_ip}" -> Edns0Rule.Variable.SERVER_IP;
            case "{server_port}" -> Edns0Rule.Variable.SERVER_PORT;
            default -> throw a.err(a.token(i), "unsupported variable name \"" + a.text(i)
                    + "\" (metadata labels need the metadata plugin, which nodedns does not implement)");
        };
    }
}
