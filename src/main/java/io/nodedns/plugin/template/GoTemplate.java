package io.nodedns.plugin.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of Go's text/template that CoreDNS template answers use: text with actions
 * {@code {{ .Name }}}, {@code {{ .Group.a }}}, {@code {{ index .Match 1 }}},
 * {@code {{ index .Group "a" }}}, {@code {{ parseInt .Group.b 16 8 }}}, parenthesised calls as
 * arguments, string and integer literals, comments and the {@code {{-}}/{@code -}}} trim markers.
 * Everything else (pipelines, variables, if/range/with, other functions, .Message, .Question,
 * .Meta, .Var) is refused when the template is compiled, by name, so a Corefile never loads a
 * template that would render differently than in CoreDNS. Fields are checked at compile time too
 * (Go only finds an unknown field when the template runs). Rendering allocates (one string per
 * record), which is why template answers are off the allocation-free path.
 */
final class GoTemplate {
    /** What a template sees of a query (CoreDNS's templateData). */
    record Data(String zone, String name, String regex, String qclass, String qtype, String remote,
            String[] match, Map<String, String> group) {
    }

    /** A template that failed to render: CoreDNS's template_failures_total case. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private enum Kind {
        STRING, INT, UINT, MATCH, GROUP
    }

    private sealed interface Expr permits Field, Str, Num, Index, ParseInt {
    }

    private record Field(String name, String key, Kind kind) implements Expr {
    }

    private record Str(String value) implements Expr {
    }

    private record Num(long value) implements Expr {
    }

    private record Index(Expr collection, Expr key) implements Expr {
    }

    private record ParseInt(Expr text, long base, long bits) implements Expr {
    }

    private static final Set<String> STRING_FIELDS = Set.of("Zone", "Name", "Regex", "Class", "Type", "Remote");
    private static final Set<String> KEYWORDS = Set.of("if", "else", "end", "range", "with", "define", "template",
            "block", "break", "continue", "nil", "true", "false");
    private static final Set<String> BUILTINS = Set.of("and", "call", "html", "slice", "js", "len", "not", "or",
            "print", "printf", "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne");
    static final String SUPPORTED = "nodedns supports .Zone .Name .Regex .Class .Type .Remote .Group.NAME,"
            + " index .Match N, index .Group \"NAME\" and parseInt";

    final String source;
    /** Literal text (String) and actions (Expr), in order. */
    private final Object[] parts;

    private GoTemplate(String source, Object[] parts) {
        this.source = source;
        this.parts = parts;
    }

    /** @throws IllegalArgumentException naming the construct Go rejects or nodedns does not support */
    static GoTemplate parse(String text) {
        List<Object> parts = new ArrayList<>();
        int i = 0;
        boolean trimNext = false;
        while (i < text.length()) {
            int open = text.indexOf("{{", i);
            String literal = text.substring(i, open < 0 ? text.length() : open);
            if (trimNext) {
                literal = literal.stripLeading();
            }
            if (open < 0) {
                addText(parts, literal);
                break;
            }
            int p = open + 2;
            if (p + 1 < text.length() && text.charAt(p) == '-' && isSpace(text.charAt(p + 1))) {
                literal = literal.stripTrailing();
                p += 2;
            }
            addText(parts, literal);
            GoTemplateLexer lexer = new GoTemplateLexer(text, p);
            List<Object> tokens = lexer.action();
            trimNext = lexer.trimRight;
            i = lexer.pos;
            if (tokens == null) {
                continue; // a comment
            }
            Parser parser = new Parser(tokens);
            Expr e = parser.command();
            if (parser.at < tokens.size()) {
                throw new IllegalArgumentException("unexpected " + describe(tokens.get(parser.at)) + " in command");
            }
            Kind kind = kind(e);
            if (kind == Kind.MATCH || kind == Kind.GROUP) {
                throw new IllegalArgumentException("printing ." + (kind == Kind.MATCH ? "Match" : "Group")
                        + " as a whole is not supported (" + SUPPORTED + ")");
            }
            parts.add(e);
        }
        return new GoTemplate(text, parts.toArray());
    }

    private static void addText(List<Object> parts, String literal) {
        if (!literal.isEmpty()) {
            parts.add(literal);
        }
    }

    /** Renders the template for one query. */
    String execute(Data data) throws Failure {
        StringBuilder out = new StringBuilder(source.length() + 32);
        for (Object part : parts) {
            if (part instanceof String s) {
                out.append(s);
            } else {
                Object v = eval((Expr) part, data);
                out.append(v instanceof Long l && kind((Expr) part) == Kind.UINT
                        ? Long.toUnsignedString(l)
                        : v.toString());
            }
        }
        return out.toString();
    }

    private static Object eval(Expr e, Data d) throws Failure {
        return switch (e) {
            case Str s -> s.value();
            case Num n -> n.value();
            case Field f -> switch (f.name()) {
                case "Zone" -> d.zone();
                case "Name" -> d.name();
                case "Regex" -> d.regex();
                case "Class" -> d.qclass();
                case "Type" -> d.qtype();
                case "Remote" -> d.remote();
                case "Match" -> d.match();
                default -> f.key() == null ? d.group() : d.group().getOrDefault(f.key(), "<no value>");
            };
            case Index x -> {
                Object collection = eval(x.collection(), d);
                Object key = eval(x.key(), d);
                if (collection instanceof String[] match) {
                    long k = (Long) key;
                    boolean unsigned = kind(x.key()) == Kind.UINT;
                    if ((unsigned ? Long.compareUnsigned(k, match.length) >= 0 : k < 0 || k >= match.length)) {
                        throw new Failure("error calling index: index out of range: "
                                + (unsigned ? Long.toUnsignedString(k) : k));
                    }
                    yield match[(int) k];
                }
                @SuppressWarnings("unchecked")
                Map<String, String> group = (Map<String, String>) collection;
                yield group.getOrDefault((String) key, "");
            }
            case ParseInt p -> parseUint((String) eval(p.text(), d), p.base(), p.bits());
        };
    }

    /** Go's strconv.ParseUint, the function CoreDNS registers as parseInt; the result is unsigned. */
    static long parseUint(String s, long base, long bits) throws Failure {
        String prefix = "strconv.ParseUint: parsing \"" + s + "\": ";
        if (bits == 0) {
            bits = 64;
        } else if (bits < 0 || bits > 64) {
            throw new Failure(prefix + "invalid bit size " + bits);
        }
        String digits = s;
        if (base == 0) {
            base = 10;
            String lower = s.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("0x") || lower.startsWith("0b") || lower.startsWith("0o")) {
                base = lower.charAt(1) == 'x' ? 16 : lower.charAt(1) == 'b' ? 2 : 8;
                digits = s.substring(2);
            } else if (s.length() > 1 && s.charAt(0) == '0') {
                base = 8;
                digits = s.substring(1);
            }
        } else if (base < 2 || base > 36) {
            throw new Failure(prefix + "invalid base " + base);
        }
        if (digits.isEmpty() || digits.charAt(0) == '+' || digits.charAt(0) == '-') {
            throw new Failure(prefix + "invalid syntax");
        }
        long value;
        try {
            value = Long.parseUnsignedLong(digits, (int) base);
        } catch (NumberFormatException e) {
            int radix = (int) base;
            boolean allDigits = digits.chars().allMatch(c -> Character.digit(c, radix) >= 0);
            throw new Failure(prefix + (allDigits ? "value out of range" : "invalid syntax"));
        }
        if (bits < 64 && Long.compareUnsigned(value, (1L << bits) - 1) > 0) {
            throw new Failure(prefix + "value out of range");
        }
        return value;
    }

    private static Kind kind(Expr e) {
        return switch (e) {
            case Str s -> Kind.STRING;
            case Num n -> Kind.INT;
            case Field f -> f.kind();
            case Index x -> Kind.STRING;
            case ParseInt p -> Kind.UINT;
        };
    }

    private static String describe(Object token) {
        return token instanceof GoTemplateLexer.Word w
                ? "\"" + w.text() + "\""
                : token instanceof GoTemplateLexer.Quoted q
                        ? "string \"" + q.text()
                                + "\""
                        : token instanceof Long l ? "number " + l : "\"" + token + "\"";
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Builds and type-checks one command from its tokens. */
    private static final class Parser {
        final List<Object> tokens;
        int at;

        Parser(List<Object> tokens) {
            this.tokens = tokens;
        }

        Expr command() {
            if (at >= tokens.size()) {
                throw new IllegalArgumentException("missing value for command");
            }
            if (tokens.get(at) instanceof GoTemplateLexer.Word w && !w.text().startsWith(".")) {
                String name = w.text();
                if (KEYWORDS.contains(name)) {
                    throw new IllegalArgumentException("{{ " + name + " }} is not supported (" + SUPPORTED + ")");
                }
                at++;
                return switch (name) {
                    case "index" -> index();
                    case "parseInt" -> parseInt();
                    default -> throw new IllegalArgumentException(BUILTINS.contains(name)
                            ? "function " + name + " is not supported (" + SUPPORTED + ")"
                            : "function \"" + name + "\" not defined");
                };
            }
            Expr e = operand();
            if (at < tokens.size() && !")".equals(String.valueOf(tokens.get(at)))) {
                throw new IllegalArgumentException(
                        "can't give argument to non-function " + describe(tokens.get(at - 1)));
            }
            return e;
        }

        private Expr index() {
            Expr collection = operand();
            Expr key = operand();
            if (at < tokens.size() && !(tokens.get(at) instanceof Character)) {
                throw new IllegalArgumentException("index with more than one key is not supported (" + SUPPORTED + ")");
            }
            Kind c = kind(collection);
            Kind k = kind(key);
            if (c == Kind.MATCH && (k == Kind.INT || k == Kind.UINT)) {
                return new Index(collection, key);
            }
            if (c == Kind.GROUP && k == Kind.STRING) {
                return new Index(collection, key);
            }
            throw new IllegalArgumentException(c == Kind.MATCH || c == Kind.GROUP
                    ? "index of ." + (c == Kind.MATCH ? "Match needs an integer" : "Group needs a string") + " key"
                    : "index needs .Match or .Group (" + SUPPORTED + ")");
        }

        private Expr parseInt() {
            Expr text = operand();
            Expr base = operand();
            Expr bits = operand();
            if (kind(text) != Kind.STRING) {
                throw new IllegalArgumentException("parseInt needs a string to parse first");
            }
            if (!(base instanceof Num b) || !(bits instanceof Num n)) {
                throw new IllegalArgumentException("parseInt needs integer constants for base and bit size");
            }
            return new ParseInt(text, b.value(), n.value());
        }

        private Expr operand() {
            if (at >= tokens.size()) {
                throw new IllegalArgumentException("wrong number of args: missing operand");
            }
            Object t = tokens.get(at++);
            if (t instanceof Long l) {
                return new Num(l);
            }
            if (t instanceof GoTemplateLexer.Quoted q) {
                return new Str(q.text());
            }
            if (t instanceof Character c && c == '(') {
                Expr inner = command();
                if (at >= tokens.size() || !(tokens.get(at) instanceof Character close) || close != ')') {
                    throw new IllegalArgumentException("unclosed left paren");
                }
                at++;
                return inner;
            }
            if (t instanceof GoTemplateLexer.Word w && w.text().startsWith(".")) {
                return field(w.text().substring(1).split("\\.", -1));
            }
            throw new IllegalArgumentException("unexpected " + describe(t) + " (" + SUPPORTED + ")");
        }

        private static Expr field(String[] path) {
            String name = path[0];
            if (STRING_FIELDS.contains(name) || name.equals("Match")) {
                if (path.length > 1) {
                    throw new IllegalArgumentException("can't evaluate field " + path[1] + " of ." + name);
                }
                return new Field(name, null, name.equals("Match") ? Kind.MATCH : Kind.STRING);
            }
            if (name.equals("Group")) {
                if (path.length > 2) {
                    throw new IllegalArgumentException("can't evaluate field " + path[2] + " of .Group." + path[1]);
                }
                return path.length == 2 ? new Field(name, path[1], Kind.STRING) : new Field(name, null, Kind.GROUP);
            }
            if (name.equals("Message") || name.equals("Question") || name.equals("Meta") || name.equals("Var")) {
                throw new IllegalArgumentException("." + name + " is not supported (" + SUPPORTED + ")");
            }
            throw new IllegalArgumentException("can't evaluate field " + name + " (" + SUPPORTED + ")");
        }
    }
}
