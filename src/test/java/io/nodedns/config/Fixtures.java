package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/** Shared helpers for the config tests. */
final class Fixtures {

    /** The plugin.cfg directive list (CoreDNS plugin.cfg). */
    static final Set<String> DIRECTIVES = Set.of("root", "metadata", "geoip", "cancel", "proxyproto", "quic",
            "grpc_server", "https", "https3", "timeouts", "multisocket", "reload", "nsid", "bufsize", "bind",
            "debug", "trace", "ready", "health", "pprof", "shed", "prometheus", "errors", "log", "dnstap", "local",
            "dns64", "any", "chaos", "loadbalance", "tsig", "rewrite", "autopath", "acl", "cache", "header",
            "dnssec", "tls", "minimal", "template", "transfer", "hosts", "route53", "azure", "clouddns",
            "k8s_external", "kubernetes", "file", "auto", "secondary", "etcd", "loop", "forward", "grpc",
            "erratic", "whoami", "on", "sign", "view", "nomad");

    static final Predicate<String> KNOWN = DIRECTIVES::contains;
    static final Function<String, String> NO_ENV = name -> null;

    private Fixtures() {}

    static List<ServerBlock> parse(String text) throws ConfigException {
        return Corefile.parse("Corefile", text, KNOWN, NO_ENV);
    }

    static List<ServerBlock> parse(String text, Map<String, String> env) throws ConfigException {
        return Corefile.parse("Corefile", text, KNOWN, env::get);
    }

    /** Writes {@code text} (UTF-8) to {@code name} under {@code dir}, making its folders; the file. */
    static Path write(Path dir, String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    static Token token(String text) {
        return new Token(text, "Corefile", 1, false);
    }

    static List<String> texts(List<Token> tokens) {
        return tokens.stream().map(Token::text).toList();
    }

    static List<String> keys(ServerBlock block) {
        return texts(block.keys());
    }

    /** Asserts that parsing fails at exactly {@code file:line} with a message containing {@code fragment}. */
    static ConfigException assertError(String text, String file, int line, String fragment) {
        return assertError(() -> parse(text), file, line, fragment);
    }

    interface ParseCall {
        Object run() throws ConfigException;
    }

    static ConfigException assertError(ParseCall call, String file, int line, String fragment) {
        ConfigException e = SetupErrors.assertFailsIn(file, call::run, line, fragment);
        assertEquals(file + ":" + line + " - Error during parsing: " + e.detail(), e.getMessage());
        return e;
    }
}
