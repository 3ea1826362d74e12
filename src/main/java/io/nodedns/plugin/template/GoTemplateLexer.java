package io.nodedns.plugin.template;

import java.util.ArrayList;
import java.util.List;

/** Go template lexing of one action ({@link GoTemplate}); {@code pos} ends past its closing braces. */
final class GoTemplateLexer {
    /** A field chain (".Group.a") or an identifier ("index"). */
    record Word(String text) {
    }

    record Quoted(String text) {
    }

    final String s;
    int pos;
    boolean trimRight;

    GoTemplateLexer(String s, int pos) {
        this.s = s;
        this.pos = pos;
    }

    /** The action's tokens (Word, Quoted, Long, '(' or ')'), or null for a comment. */
    List<Object> action() {
        skipSpace();
        if (s.startsWith("/*", pos)) {
            int end = s.indexOf("*/", pos + 2);
            if (end < 0) {
                throw new IllegalArgumentException("unclosed comment");
            }
            pos = end + 2;
            boolean spaced = s.startsWith(" -}}", pos);
            if (spaced) {
                pos++;
            }
            if (!close(spaced)) {
                throw new IllegalArgumentException("comment ends before closing delimiter");
            }
            return null;
        }
        List<Object> tokens = new ArrayList<>();
        while (true) {
            boolean spaced = skipSpace();
            if (pos >= s.length()) {
                throw new IllegalArgumentException("unclosed action");
            }
            if (close(spaced)) {
                return tokens;
            }
            char c = s.charAt(pos);
            if (c == '.' && pos + 1 < s.length() && isIdentStart(s.charAt(pos + 1))) {
                int start = pos;
                while (pos < s.length() && s.charAt(pos) == '.' && pos + 1 < s.length()
                        && isIdentStart(s.charAt(pos + 1))) {
                    pos++;
                    while (pos < s.length() && isIdentPart(s.charAt(pos))) {
                        pos++;
                    }
                }
                tokens.add(new Word(s.substring(start, pos)));
            } else if (isIdentStart(c)) {
                int start = pos;
                while (pos < s.length() && isIdentPart(s.charAt(pos))) {
                    pos++;
                }
                tokens.add(new Word(s.substring(start, pos)));
            } else if (c == '"' || c == '`') {
                tokens.add(new Quoted(quoted(c)));
            } else if (Character.isDigit(c)
                    || ((c == '-' || c == '+') && pos + 1 < s.length() && Character.isDigit(s.charAt(pos + 1)))) {
                tokens.add(number());
            } else if (c == '(' || c == ')') {
                tokens.add(c);
                pos++;
            } else {
                throw new IllegalArgumentException(switch (c) {
                    case '|' -> "pipelines (|) are not supported (" + GoTemplate.SUPPORTED + ")";
                    case '$' -> "template variables ($) are not supported (" + GoTemplate.SUPPORTED + ")";
                    case '\'' -> "character constants are not supported";
                    case '.' -> "\".\" (the whole template data) is not supported (" + GoTemplate.SUPPORTED + ")";
                    default -> "unexpected \"" + c + "\" in command";
                });
            }
        }
    }

    private boolean close(boolean spaced) {
        if (spaced && s.startsWith("-}}", pos)) {
            trimRight = true;
            pos += 3;
            return true;
        }
        if (s.startsWith("}}", pos)) {
            pos += 2;
            return true;
        }
        return false;
    }

    private boolean skipSpace() {
        int start = pos;
        while (pos < s.length() && GoTemplate.isSpace(s.charAt(pos))) {
            pos++;
        }
        return pos > start;
    }

    private String quoted(char quote) {
        StringBuilder out = new StringBuilder();
        pos++;
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == quote) {
                return out.toString();
            }
            if (quote == '"' && c == '\n') {
                break;
            }
            if (quote == '"' && c == '\\' && pos < s.length()) {
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case '\\', '"' -> out.append(e);
                    default -> throw new IllegalArgumentException("unsupported escape \\" + e + " in string");
                }
            } else {
                out.append(c);
            }
        }
        throw new IllegalArgumentException("unterminated quoted string");
    }

    private Long number() {
        int start = pos;
        pos++;
        while (pos < s.length()
                && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_' || s.charAt(pos) == '.')) {
            pos++;
        }
        String text = s.substring(start, pos);
        try {
            return Long.decode(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("number \"" + text + "\" is not supported (integers only)");
        }
    }

    private static boolean isIdentStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isIdentPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
