package io.nodedns.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Groups tokens into server blocks and directives, expanding snippets and imports, the way
 * caddy's {@code caddyfile/parse.go} does (caddy's caddyfile parser). Iterative throughout, so deep nesting
 * cannot overflow the stack; imports are capped and import cycles rejected, so nothing loops.
 */
final class Parser {

    /**
     * Caps on import expansion. caddy's are 10,000 snippet and 100,000 file expansions; the token
     * cap is ours and guards memory: a big snippet imported thousands of times would fill the heap.
     */
    record Limits(int snippetExpansions, int fileExpansions, long splicedTokens) {
        static final Limits DEFAULT = new Limits(10_000, 100_000, 1_000_000);
    }

    private final Limits limits;

    private final TokenStream stream;
    private final Predicate<String> knownDirective;
    private final EnvSubstitution env;
    private final Map<String, List<Token>> snippets = new HashMap<>();
    private final List<ConfigWarning> warnings = new ArrayList<>();
    /**
     * Import patterns already resolved in this parse, by importing file and pattern: a snippet with a
     * glob imported thousands of times scans its directory once, and sees one view of the disk.
     */
    private final Map<String, ImportFiles.Matches> resolvedImports = new HashMap<>();
    private int snippetExpansions;
    private int fileExpansions;
    private long splicedTokens;

    Parser(String fileName, String text, Predicate<String> knownDirective, Function<String, String> env) {
        this(fileName, text, knownDirective, env, Limits.DEFAULT);
    }

    Parser(String fileName, String text, Predicate<String> knownDirective, Function<String, String> env,
            Limits limits) {
        this.limits = limits;
        Origin root = Origin.root(ImportFiles.identity(fileName));
        this.stream = new TokenStream(wrap(Lexer.tokens(fileName, text), root));
        this.knownDirective = knownDirective == null ? name -> true : knownDirective;
        this.env = new EnvSubstitution(env);
    }

    ParseResult parse() throws ConfigException {
        List<ServerBlock> blocks = new ArrayList<>();
        while (stream.advance()) {
            ServerBlock block = parseBlock();
            if (block != null) {
                blocks.add(block);
            }
        }
        return new ParseResult(blocks, warnings);
    }

    /** Parses one block starting at the current token; null for snippets and key-less blocks. */
    private ServerBlock parseBlock() throws ConfigException {
        List<Token> keys = new ArrayList<>();
        boolean endOfInput = readKeys(keys);
        boolean snippet = keys.size() == 1 && isSnippetName(keys.get(0).text());
        if (endOfInput) {
            if (snippet) {
                throw new ConfigException(keys.get(0),
                        "Unexpected EOF: snippet " + keys.get(0).text() + " needs a { } body");
            }
            return keys.isEmpty() ? null : new ServerBlock(keys, List.of()); // a file of keys only
        }
        if (snippet) {
            defineSnippet(keys.get(0));
            return null;
        }
        List<Directive> directives = readBody();
        // keys can all be empty, e.g. "{$UNSET}"; caddy drops such a block
        return keys.isEmpty() ? null : new ServerBlock(keys, directives);
    }

    /**
     * Reads the key list: keys on one line, a trailing comma continuing it on the next. Leaves the
     * stream on the token after the keys and returns false, or returns true at the end of input.
     */
    private boolean readKeys(List<Token> keys) throws ConfigException {
        boolean expectingAnother = false;
        Token commaKey = null;
        while (true) {
            Lexeme lexeme = stream.current();
            Token token = lexeme.token();
            if (token.text().equals("import") && stream.currentStartsLine()) {
                doImport(lexeme);
                if (!stream.advance()) {
                    return endOfKeys(expectingAnother, commaKey);
                }
                continue;
            }
            if (token.isOpenBrace()) {
                if (expectingAnother) {
                    throw new ConfigException(token, "Expected another key after '" + commaKey.text()
                            + "' but found '{' - check for an extra comma");
                }
                return false;
            }
            if (token.isCloseBrace() && !token.quoted()) {
                throw new ConfigException(token, "Unexpected '}' because no matching opening brace");
            }
            String text = env.apply(token.text());
            if (!text.isEmpty()) { // "" (or an unset variable) adds no key
                expectingAnother = text.endsWith(",");
                if (expectingAnother) {
                    commaKey = token;
                    text = text.substring(0, text.length() - 1);
                }
                if (!text.isEmpty()) {
                    keys.add(token.withText(text));
                }
            }
            if (!stream.advance()) {
                return endOfKeys(expectingAnother, commaKey);
            }
            if (!expectingAnother && stream.currentStartsLine()) {
                return false;
            }
        }
    }

    private static boolean endOfKeys(boolean expectingAnother, Token commaKey) throws ConfigException {
        if (expectingAnother) {
            throw new ConfigException(commaKey, "Unexpected EOF: expected another key after '" + commaKey.text() + "'");
        }
        return true;
    }

    /** Reads directives up to the block's '}' or, for a brace-less block, to EOF or a stray '}'. */
    private List<Directive> readBody() throws ConfigException {
        Token opening = stream.current().token();
        boolean braced = opening.isOpenBrace();
        List<Directive> directives = new ArrayList<>();
        boolean useCurrent = !braced; // without braces the current token is already the first directive
        while (true) {
            if (useCurrent) {
                useCurrent = false;
            } else if (!stream.advance()) {
                if (braced) {
                    throw missingClose(opening);
                }
                return directives;
            }
            Lexeme lexeme = stream.current();
            if (lexeme.token().isCloseBrace()) {
                return directives;
            }
            if (lexeme.text().equals("import")) {
                doImport(lexeme);
                continue;
            }
            directives.add(readDirective(lexeme));
        }
    }

    /** Collects one directive: the rest of its line, extended to the matching '}' of any '{'. */
    private Directive readDirective(Lexeme nameLexeme) throws ConfigException {
        Token nameToken = nameLexeme.token();
        String name = env.apply(nameToken.text());
        if (!knownDirective.test(name)) {
            if (name.length() > 1 && (name.indexOf('{') >= 0 || name.indexOf('}') >= 0)) { // "}}", "whoami}"
                throw new ConfigException(nameToken, "'" + name + "' is not a directive: braces must stand alone,"
                        + " separated by spaces or line breaks; a block ends with one '}' on a line of its own");
            }
            throw new ConfigException(nameToken, "Unknown directive '" + name + "'");
        }
        List<Token> tokens = new ArrayList<>();
        tokens.add(nameToken.withText(name));
        Deque<Token> open = new ArrayDeque<>();
        while (stream.peek() != null) {
            Lexeme next = stream.peek();
            Token token = next.token();
            boolean newLine = stream.peekStartsLine();
            if (token.isOpenBrace()) { // caddy checks '{' first, so a '{' on the next line still belongs here
                stream.advance();
                open.push(token);
                tokens.add(token);
                continue;
            }
            if (newLine && open.isEmpty()) {
                break;
            }
            stream.advance();
            if (token.isCloseBrace()) {
                if (open.isEmpty()) {
                    throw new ConfigException(token, "Unexpected '}' because no matching opening brace"
                            + " (a block's closing '}' must be on a line of its own)");
                }
                open.pop();
                tokens.add(token);
            } else if (newLine && token.text().equals("import")) {
                doImport(next);
            } else {
                tokens.add(env.apply(token));
            }
        }
        if (!open.isEmpty()) {
            throw missingClose(open.peek());
        }
        return new Directive(tokens);
    }

    private void defineSnippet(Token key) throws ConfigException {
        String name = key.text().substring(1, key.text().length() - 1);
        if (snippets.containsKey(name)) {
            throw new ConfigException(key, "redeclaration of previously declared snippet " + name);
        }
        Token opening = stream.current().token();
        if (!opening.isOpenBrace()) {
            throw new ConfigException(opening, "Syntax error: Unexpected token '" + opening.text()
                    + "', expecting '{' (snippet " + key.text() + " needs a { } body)");
        }
        List<Token> body = new ArrayList<>();
        Deque<Token> open = new ArrayDeque<>();
        open.push(opening);
        while (stream.advance()) {
            Token token = stream.current().token();
            if (token.isCloseBrace()) {
                open.pop();
                if (open.isEmpty()) {
                    rejectSelfImport(name, body);
                    snippets.put(name, List.copyOf(body));
                    return;
                }
            } else if (token.isOpenBrace()) {
                open.push(token);
            }
            body.add(token);
        }
        throw missingClose(open.peek());
    }

    /** A snippet whose body imports itself could only ever hit the expansion cap; say so at once. */
    private void rejectSelfImport(String name, List<Token> body) throws ConfigException {
        for (int i = 0; i + 1 < body.size(); i++) {
            Token token = body.get(i);
            boolean lineStart = i == 0 || body.get(i - 1).endsLineBefore(token);
            if (lineStart && token.text().equals("import") && env.apply(body.get(i + 1).text()).equals(name)) {
                throw new ConfigException(token, "snippet " + name + " imports itself");
            }
        }
    }

    /** Replaces {@code import PATTERN} (the current token) by the snippet's or files' tokens. */
    private void doImport(Lexeme importLexeme) throws ConfigException {
        Token importToken = importLexeme.token();
        if (!stream.peekOnSameLine()) {
            throw new ConfigException(importToken, "Wrong argument count or unexpected line ending after 'import'");
        }
        stream.advance();
        Token patternToken = stream.current().token();
        String pattern = env.apply(patternToken.text());
        if (pattern.isEmpty()) {
            String written = patternToken.text().isEmpty() ? "" : " ('" + patternToken.text() + "' is empty)";
            throw new ConfigException(patternToken, "Import requires a non-empty filepath" + written);
        }
        if (stream.peekOnSameLine()) {
            Token extra = stream.peek().token();
            throw new ConfigException(extra, "Import takes only one argument (glob pattern or file), but found '"
                    + extra.text() + "' after '" + pattern + "'");
        }
        List<Token> snippet = snippets.get(pattern);
        stream.splice(snippet != null
                ? expandSnippet(importLexeme, pattern, snippet)
                : expandFiles(importLexeme, patternToken, pattern));
    }

    private List<Lexeme> expandSnippet(Lexeme importLexeme, String name, List<Token> body) throws ConfigException {
        Token at = importLexeme.token();
        Origin origin = importLexeme.origin();
        if (origin.includes(Origin.Kind.SNIPPET, name)) {
            throw new ConfigException(at, "Import cycle: " + origin.child(Origin.Kind.SNIPPET, name).chain());
        }
        if (snippetExpansions >= limits.snippetExpansions()) {
            throw new ConfigException(at, "maximum snippet import depth (" + limits.snippetExpansions() + ") exceeded");
        }
        snippetExpansions++;
        return spliceable(body, origin.child(Origin.Kind.SNIPPET, name), at);
    }

    private List<Lexeme> expandFiles(Lexeme importLexeme, Token patternToken, String pattern) throws ConfigException {
        Token at = importLexeme.token();
        if (fileExpansions >= limits.fileExpansions()) {
            throw new ConfigException(at, "maximum file import depth (" + limits.fileExpansions() + ") exceeded");
        }
        fileExpansions++;
        String key = at.file() + '\0' + pattern;
        ImportFiles.Matches matches = resolvedImports.get(key);
        if (matches == null) {
            matches = ImportFiles.resolve(at, patternToken, pattern);
            resolvedImports.put(key, matches);
        }
        if (matches.files().isEmpty()) {
            if (!matches.glob()) {
                throw new ConfigException(patternToken, "File to import not found: " + pattern);
            }
            warnings.add(new ConfigWarning(at.file(), at.line(), "No files matching import glob pattern: " + pattern));
            return List.of();
        }
        List<Lexeme> spliced = new ArrayList<>();
        for (Path file : matches.files()) {
            String identity = ImportFiles.identity(file);
            Origin origin = importLexeme.origin();
            if (origin.includes(Origin.Kind.FILE, identity)) {
                throw new ConfigException(at, "Import cycle: " + origin.child(Origin.Kind.FILE, identity).chain());
            }
            String text;
            try {
                text = ImportFiles.read(file);
            } catch (TextInput.NotTextException e) {
                throw new ConfigException(e.file, e.line,
                        "Could not import " + file + " (imported at " + patternToken.file()
                                + ":" + patternToken.line() + "): " + e.getMessage());
            } catch (IOException e) {
                throw new ConfigException(patternToken, "Could not import " + file + ": " + ImportFiles.reason(e));
            }
            // imported tokens carry the file's absolute path, so errors point into that file
            String displayName = file.toAbsolutePath().normalize().toString();
            spliced.addAll(spliceable(Lexer.tokens(displayName, text), origin.child(Origin.Kind.FILE, identity), at));
        }
        return spliced;
    }

    private List<Lexeme> spliceable(List<Token> tokens, Origin origin, Token at) throws ConfigException {
        splicedTokens += tokens.size();
        if (splicedTokens > limits.splicedTokens()) {
            throw new ConfigException(at, "imports expand to more than " + limits.splicedTokens() + " tokens");
        }
        List<Lexeme> lexemes = new ArrayList<>(tokens.size());
        for (Token token : tokens) {
            lexemes.add(new Lexeme(token, origin, lexemes.isEmpty()));
        }
        return lexemes;
    }

    private static List<Lexeme> wrap(List<Token> tokens, Origin origin) {
        List<Lexeme> lexemes = new ArrayList<>(tokens.size());
        for (Token token : tokens) {
            lexemes.add(new Lexeme(token, origin, false));
        }
        return lexemes;
    }

    private static ConfigException missingClose(Token opening) {
        return new ConfigException(opening, "Unexpected EOF - missing '}' for the '{' opened on this line");
    }

    private static boolean isSnippetName(String key) {
        return key.length() >= 2 && key.startsWith("(") && key.endsWith(")");
    }
}
