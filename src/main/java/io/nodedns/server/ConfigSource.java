package io.nodedns.server;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Corefile;
import io.nodedns.config.ServerBlock;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** Where the Corefile comes from: a file (re-read on reload) or fixed text (the built-in default, stdin). */
public sealed interface ConfigSource {
    String name();

    List<ServerBlock> load(Predicate<String> known, Function<String, String> env) throws ConfigException;

    record FileSource(Path path) implements ConfigSource {
        @Override
        public String name() {
            return path.toString();
        }

        @Override
        public List<ServerBlock> load(Predicate<String> known, Function<String, String> env) throws ConfigException {
            return Corefile.parseFile(path, known, env);
        }
    }

    record TextSource(String name, String text) implements ConfigSource {
        @Override
        public List<ServerBlock> load(Predicate<String> known, Function<String, String> env) throws ConfigException {
            return Corefile.parse(name, text, known, env);
        }
    }
}
