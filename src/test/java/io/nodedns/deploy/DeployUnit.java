package io.nodedns.deploy;

import io.kubernetes.client.util.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One directory of deploy/: every YAML object in it (typed by the official client's {@link Yaml})
 * and its standalone Corefile* files. Cross-references are checked inside a directory, because
 * that is what an operator applies together (deploy/kubeforward: its rbac.yaml with its Corefile).
 */
record DeployUnit(Path dir, List<Object> objects, Map<String, String> corefiles) {

    /** The installer's sed values for the node-local-dns placeholders, and node-cache's own. */
    static final Map<String, String> PILLARS = Map.of(
            "__PILLAR__DNS__DOMAIN__", "cluster.local",
            "__PILLAR__LOCAL__DNS__", "169.254.20.10",
            "__PILLAR__DNS__SERVER__", "10.96.0.10",
            "__PILLAR__CLUSTER__DNS__", "10.96.0.20",
            "__PILLAR__UPSTREAM__SERVERS__", "/etc/resolv.conf");

    static String fillPillars(String text) {
        String out = text;
        for (Map.Entry<String, String> e : PILLARS.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Every directory under root that holds a YAML file or a Corefile, sorted. */
    static List<DeployUnit> loadAll(Path root) throws IOException {
        List<DeployUnit> units = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                DeployUnit unit = load(dir);
                if (!unit.objects().isEmpty() || !unit.corefiles().isEmpty()) {
                    units.add(unit);
                }
            }
        }
        return units;
    }

    static DeployUnit load(Path dir) throws IOException {
        List<Object> objects = new ArrayList<>();
        Map<String, String> corefiles = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                    objects.addAll(loadYaml(f));
                } else if (name.startsWith("Corefile")) {
                    corefiles.put(f.toString(), Files.readString(f));
                }
            }
        }
        return new DeployUnit(dir, objects, corefiles);
    }

    static List<Object> loadYaml(Path file) throws IOException {
        try {
            List<Object> loaded = Yaml.loadAll(file.toFile());
            List<Object> out = new ArrayList<>();
            for (Object o : loaded) {
                if (o != null) {
                    out.add(o);
                }
            }
            return out;
        } catch (RuntimeException e) {
            throw new IOException(file + ": not loadable as Kubernetes objects: " + e.getMessage(), e);
        }
    }

    <T> List<T> all(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Object o : objects) {
            if (type.isInstance(o)) {
                out.add(type.cast(o));
            }
        }
        return out;
    }
}
