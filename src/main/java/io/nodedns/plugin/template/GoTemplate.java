package io.nodedns.plugin.template;

import io.nodedns.server.Exchange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of Go's text/template that CoreDNS template answers use: text with actions
 * {@code {{ .Name }}}, {@code {{ .Group.a }}}, {@code {{ index .Match 1 }}},
 * {@code {{ index .Group "a" }}}, {@code {{ parseInt .Group.b 16 8 }}},
 * {@code {{ .Meta "kubernetes/namespace" }}}, {@code {{ .Question }}}, {@code {{ .Message.Id }}} and
 * the other fields {@link GoDnsText} prints, parenthesised calls as arguments, string and integer
 * literals, comments and the {@code {{-}}/{@code -}}} trim markers. Everything else (pipelines,
 * variables, if/range/with, other functions, .Var) is refused when the
 * template is compiled, by name, so a Corefile never loads a template that would render
 * differently than in CoreDNS. Fields and argument types are checked at compile time too (Go only
 * finds those errors when the template runs). Rendering allocates (one string per record), which
 * is why template answers are off the allocation-free path.
 */
final class GoTemplate {
    /**
     * What a template sees of a query (CoreDNS's templateData). {@code exchange} answers
     * {@code .Meta}: the labels the metadata plugin collects for it, none without metadata.
     */
    record Data(String zone, String name, String regex, String qclass, String qtype, String remote,
            String[] match, Map<String, String> group, Exchange exchange) {
    }

    /** A template that failed to render: CoreDNS's template_failures_total case. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private enum Kind {
        STRING, INT, UINT, MATCH, GROUP,
        /** A field of .Message or .Question other than .Question.Name: printed, never an argument. */
        DNS
    }

    private sealed interface Expr permits Field, Str, Num, Index, ParseInt, Meta, Dns {
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

    /** CoreDNS's templateData.Meta(label): the label's value, "" when unknown or without metadata. */
    private record Meta(Expr label) implements Expr {
    }

    /** A field of the query's .Message or .Question, resolved when the template is compiled. */
    private record Dns(GoDnsText.Value value) implements Expr {
    }

    private static final Set<String> STRING_FIELDS = Set.of("Zone", "Name", "Regex", "Class", "Type", "Remote");
    private static final Set<String> KEYWORDS = Set.of("if", "else", "end", "range", "with", "define", "template",
            "block", "break", "continue", "nil", "true", "false");
    private static final Set<String> BUILTINS = Set.of("and", "call", "html", "slice", "js", "len", "not", "or",
            "print", "printf", "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne");
    static final String SUPPORTED = "nodedns supports .Zone .Name .Regex .Class .Type .Remote .Group.NAME,"
            + " .Meta \"LABEL\", " + GoDnsText.SUPPORTED + ", index .Match N, index .Group \"NAME\" and parseInt";

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
            } else if (part instanceof Dns dns) {
                GoDnsText.append(dns.value(), data.exchange().query(), out);
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
            case ParseInt p -> GoStrconv.parseUint(stringArg(p.text(), d), p.base(), p.bits());
            case Meta m -> {
                String v = d.exchange().metadata(stringArg(m.label(), d));
                yield v == null ? "" : v;
            }
            case Dns dns -> { // .Question.Name as an argument
                StringBuilder text = new StringBuilder();
                GoDnsText.append(dns.value(), d.exchange().query(), text);
                yield text.toString();
            }
        };
    }

    /** A string argument to a function: a .Group key the regex lacks is Go's invalid value, not "<no value>". */
    private static String stringArg(Expr e, Data d) throws Failure {
        if (e instanceof Field f && f.key() != null && !d.group().containsKey(f.key())) {
            throw new Failure("invalid value; expected string");
        }
        return (String) eval(e, d);
    }

    private static Kind kind(Expr e) {
        return switch (e) {
            case Str s -> Kind.STRING;
            case Num n -> Kind.INT;
            case Field f -> f.kind();
            case Index x -> Kind.STRING;
            case ParseInt p -> Kind.UINT;
            case Meta m -> Kind.STRING;
            case Dns dns -> dns.value() == GoDnsText.Value.QUESTION_NAME ? Kind.STRING : Kind.DNS;
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
            if (tokens.get(at) instanceof GoTemplateLexer.Word w && w.text().equals(".Meta")) {
                at++;
                return meta();
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
            if (c == Kind.DNS || k == Kind.DNS) {
                throw dnsArgument(c == Kind.DNS ? collection : key);
            }
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

        /** {@code .Meta LABEL}: a method of one string argument; Go checks count and type only when it runs. */
        private Expr meta() {
            List<Expr> args = new ArrayList<>();
            while (at < tokens.size() && !")".equals(String.valueOf(tokens.get(at)))) {
                args.add(operand());
            }
            if (args.size() != 1) {
                throw new IllegalArgumentException("wrong number of args for Meta: want 1 got " + args.size());
            }
            Expr label = args.getFirst();
            switch (kind(label)) {
                case STRING -> {
                }
                case INT -> throw new IllegalArgumentException("expected string; found " + ((Num) label).value());
                case UINT -> throw new IllegalArgumentException("wrong type for value; expected string; got uint64");
                case MATCH -> throw new IllegalArgumentException("wrong type for value; expected string; got []string");
                case GROUP -> throw new IllegalArgumentException(
                        "wrong type for value; expected string; got map[string]string");
                case DNS -> throw dnsArgument(label);
            }
            return new Meta(label);
        }

        private Expr parseInt() {
            Expr text = operand();
            Expr base = operand();
            Expr bits = operand();
            if (kind(text) == Kind.DNS) {
                throw dnsArgument(text);
            }
            if (kind(text) != Kind.STRING) {
                throw new IllegalArgumentException("parseInt needs a string to parse first");
            }
            if (!(base instanceof Num b) || !(bits instanceof Num n)) {
                throw new IllegalArgumentException("parseInt needs integer constants for base and bit size");
            }
            return new ParseInt(text, b.value(), n.value());
        }

        /** Only .Question.Name (a string) is taken as an argument; the other .Message and .Question values print only. */
        private static IllegalArgumentException dnsArgument(Expr e) {
            return new IllegalArgumentException(((Dns) e).value().text + " as an argument is not supported (only"
                    + " printed; .Question.Name may be an argument)");
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
            if (name.equals("Meta")) { // a method: without arguments (.Meta.x, an operand) Go calls it with none
                throw new IllegalArgumentException("wrong number of args for Meta: want 1 got 0");
            }
            if (name.equals("Message") || name.equals("Question")) {
                return new Dns(GoDnsText.field(path));
            }
            if (name.equals("Var")) {
                throw new IllegalArgumentException("." + name + " is not supported (" + SUPPORTED + ")");
            }
            throw new IllegalArgumentException("can't evaluate field " + name + " (" + SUPPORTED + ")");
        }
    }
}
