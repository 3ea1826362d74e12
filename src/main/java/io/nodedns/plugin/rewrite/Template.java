package io.nodedns.plugin.rewrite;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * A regex replacement such as {@code {1}.service.{2}.consul.}: literal pieces and group
 * references {@code {N}}, split once at setup so expanding it per query is a plain loop.
 */
final class Template {
    private final char[][] literals;
    private final int[] groups; // groups[i] follows literals[i]; -1 for none

    private Template(char[][] literals, int[] groups) {
        this.literals = literals;
        this.groups = groups;
    }

    /** Highest group number used, for the "more subexpressions than the pattern" check. */
    int maxGroup() {
        int max = -1;
        for (int g : groups) {
            max = Math.max(max, g);
        }
        return max;
    }

    static Template parse(String s) {
        List<char[]> literals = new ArrayList<>();
        List<Integer> groups = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int close = c == '{' ? s.indexOf('}', i) : -1;
            if (close > i + 1 && close - i <= 4 && s.substring(i + 1, close).chars().allMatch(Character::isDigit)) {
                literals.add(lit.toString().toCharArray());
                groups.add(Integer.parseInt(s.substring(i + 1, close)));
                lit.setLength(0);
                i = close + 1;
            } else {
                lit.append(c);
                i++;
            }
        }
        literals.add(lit.toString().toCharArray());
        groups.add(-1);
        return new Template(literals.toArray(char[][]::new), groups.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Appends the expansion for a successful match over {@code input}; unknown groups expand to "". */
    void expand(Matcher m, CharSequence input, Text out) {
        for (int i = 0; i < literals.length; i++) {
            out.append(literals[i]);
            int g = groups[i];
            if (g >= 0 && g <= m.groupCount() && m.start(g) >= 0) {
                out.append(input, m.start(g), m.end(g));
            }
        }
    }
}
