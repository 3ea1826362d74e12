package io.nodedns.k8stest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A field selector in the string form of {@code fields.ParseSelector}: comma-ANDed {@code f=v},
 * {@code f==v}, {@code f!=v}, with {@code \,} {@code \=} {@code \\} escapes. Like the API server, only the
 * field labels a resource supports are accepted (metadata.name and metadata.namespace always); anything
 * else is a 400 "field label not supported".
 */
public final class FieldSelector {
    record Term(String field, boolean equals, String value) {
    }

    private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    private final List<Term> terms;

    private FieldSelector(List<Term> terms) {
        this.terms = List.copyOf(terms);
    }

    public static FieldSelector everything() {
        return EVERYTHING;
    }

    public boolean isEverything() {
        return terms.isEmpty();
    }

    public static FieldSelector parse(String text, ResourceType type) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Term> out = new ArrayList<>();
        for (String part : splitUnescaped(text)) {
            if (part.isEmpty()) {
                continue;
            }
            int i;
            int oplen;
            boolean eq;
            if ((i = indexUnescaped(part, "!=")) >= 0) {
                oplen = 2;
                eq = false;
            } else if ((i = indexUnescaped(part, "==")) >= 0) {
                oplen = 2;
                eq = true;
            } else if ((i = indexUnescaped(part, "=")) >= 0) {
                oplen = 1;
                eq = true;
            } else {
                throw ApiError.badRequest("invalid selector: '" + text + "'; can't understand '" + part + "'");
            }
            String field = part.substring(0, i).trim();
            String value = unescape(part.substring(i + oplen));
            if (!field.equals("metadata.name") && !field.equals("metadata.namespace")
                    && !type.fieldLabels().contains(field)) {
                throw ApiError.badRequest("field label not supported: " + field);
            }
            out.add(new Term(field, eq, value));
        }
        return new FieldSelector(out);
    }

    public boolean matches(JsonObject object) {
        for (Term t : terms) {
            boolean same = valueOf(object, t.field()).equals(t.value());
            if (same != t.equals()) {
                return false;
            }
        }
        return true;
    }

    /** Reads a dotted path as a string; a missing field reads as "" (as the API server's field sets do). */
    static String valueOf(JsonObject object, String path) {
        JsonElement cur = object;
        for (String seg : path.split("\\.")) {
            if (!(cur instanceof JsonObject o) || (cur = o.get(seg)) == null || cur.isJsonNull()) {
                return "";
            }
        }
        return cur.isJsonPrimitive() ? cur.getAsString() : cur.toString();
    }

    private static List<String> splitUnescaped(String s) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
            } else if (c == ',') {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    private static int indexUnescaped(String s, String op) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                i++;
            } else if (s.startsWith(op, i)) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                if (n != '\\' && n != ',' && n != '=') {
                    throw ApiError.badRequest("invalid field selector: invalid escape sequence: \\" + n);
                }
                b.append(n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
