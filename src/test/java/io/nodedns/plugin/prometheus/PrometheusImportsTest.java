package io.nodedns.plugin.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The prometheus plugin knows no other plugin (issue 20): plugins declare their series and hand
 * them over through the setup context. Checked on the compiled classes, whose constant pools name
 * every class they use (imports, fully qualified names, instanceof alike).
 */
class PrometheusImportsTest {
    private static final Pattern PLUGIN_CLASS = Pattern.compile("io/nodedns/plugin/([A-Za-z0-9_]+)/([A-Za-z0-9_$]+)");

    @Test
    void noClassOfThePluginUsesAnotherPlugin() throws IOException, URISyntaxException {
        Path dir = Path.of(PrometheusHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/nodedns/plugin/prometheus");
        List<Path> classes;
        try (Stream<Path> files = Files.list(dir)) {
            classes = files.filter(p -> p.toString().endsWith(".class")).toList();
        }
        assertTrue(classes.size() >= 5, "the plugin's classes are found: " + classes);
        assertEquals(Set.of(), otherPlugins(classes));
    }

    @Test
    void theCheckSeesAReferenceToAnotherPlugin() throws IOException, URISyntaxException {
        Path self = Path.of(PrometheusImportsTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/nodedns/plugin/prometheus/PrometheusImportsTest$UsesCache.class");
        assertEquals(Set.of("cache/CacheSetup"), otherPlugins(List.of(self)));
    }

    /** "plugin/Class" for every class of another plugin named in the class files' constant pools. */
    static Set<String> otherPlugins(List<Path> classes) throws IOException {
        Set<String> found = new TreeSet<>();
        for (Path c : classes) {
            // constant-pool names are (modified) UTF-8; ISO-8859-1 maps each byte to one char, so offsets hold
            String text = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
            Matcher m = PLUGIN_CLASS.matcher(text);
            while (m.find()) {
                if (!m.group(1).equals("prometheus")) {
                    found.add(m.group(1) + "/" + m.group(2));
                }
            }
        }
        return found;
    }

    /** A positive control: a class that does use another plugin. */
    static final class UsesCache {
        Object setup() {
            return new io.nodedns.plugin.cache.CacheSetup();
        }
    }
}
