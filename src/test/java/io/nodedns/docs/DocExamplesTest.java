package io.nodedns.docs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Corefile;
import io.nodedns.server.Instance;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.Shared;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Corefile example in README.md and docs/ (fenced as ```corefile or ~~~ corefile) and every
 * deploy/ file named Corefile* parses and sets up (nothing is bound), so no example rots. Examples of plugins that need a cluster are
 * parsed and set up too (with $KUBECONFIG set, so those that rely on the in-cluster account set up
 * completely); only an example's own kubeconfig file, or a certificate or key under /etc, missing
 * here is tolerated.
 */
class DocExamplesTest {
    private static final Pattern FENCE = Pattern.compile("^(```|~~~) ?corefile\\s*\\n(.*?)^\\1\\s*$",
            Pattern.MULTILINE | Pattern.DOTALL);

    record Example(Path file, int line, String text) {
    }

    static List<Example> examples() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(Path.of("README.md"));
        try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<Example> out = new ArrayList<>();
        try (Stream<Path> deploy = Files.walk(Path.of("deploy"))) {
            for (Path f : deploy.filter(p -> p.getFileName().toString().startsWith("Corefile")).sorted().toList()) {
                out.add(new Example(f, 1, Files.readString(f)));
            }
        }
        for (Path f : files) {
            String md = Files.readString(f);
            Matcher m = FENCE.matcher(md);
            while (m.find()) {
                int line = (int) md.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                out.add(new Example(f, line, m.group(2)));
            }
        }
        return out;
    }

    @TempDir
    Path dir;

    @Test
    void everyCorefileExampleSetsUp() throws Exception {
        List<Example> all = examples();
        assertFalse(all.isEmpty(), "found no examples");
        // Examples that rely on the in-cluster account get $KUBECONFIG instead, so every other plugin
        // of theirs is set up too; nothing connects to this address while setting up.
        Path kubeconfig = io.nodedns.k8stest.KubeClients.writeKubeconfig(dir.resolve("kubeconfig"),
                "http://127.0.0.1:9",
                "default");
        Map<String, String> env = Map.of("KUBECONFIG", kubeconfig.toString());
        PluginRegistry registry = TestServer.registry()
                .register("kubeforward", new io.nodedns.plugin.kubeforward.KubeforwardSetup(env))
                .register("kubernetes", new io.nodedns.plugin.kubernetes.KubernetesSetup(env))
                .register("multicluster", new io.nodedns.plugin.multicluster.MulticlusterSetup(env));
        List<String> failures = new ArrayList<>();
        for (Example e : all) {
            String name = e.file() + ":" + e.line();
            try {
                Instance.build(Corefile.parse(name, e.text(), registry::isKnown, k -> null), registry, new Shared(),
                        53);
            } catch (ConfigException ex) {
                boolean needsCluster = ex.getMessage().contains("kubeconfig") || ex.getMessage().contains("in-cluster")
                        || ex.getMessage().contains("KUBECONFIG");
                // certificates and keys of a node (forward's tls files) are read at setup and absent here
                boolean needsNodeFile = ex.getMessage().matches("(?s).*open /etc/[^:]+: no such file or directory.*");
                if (needsNodeFile) {
                    System.out.printf("doc example %s reads a file of the node: %s%n", name, ex.detail());
                } else if (!needsCluster) {
                    failures.add(name + ": " + ex.getMessage());
                } else {
                    System.out.printf("doc example %s needs a cluster connection here: %s%n", name, ex.detail());
                }
            }
        }
        System.out.printf("doc examples: %d Corefiles checked%n", all.size());
        if (!failures.isEmpty()) {
            fail(failures.size() + " doc example(s) do not set up:\n" + String.join("\n", failures));
        }
    }
}
