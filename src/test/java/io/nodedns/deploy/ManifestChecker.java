package io.nodedns.deploy;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1HTTPGetAction;
import io.kubernetes.client.openapi.models.V1KeyToPath;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import io.nodedns.config.ConfigException;
import io.nodedns.deploy.CorefileFacts.Address;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Cross-references inside one deploy/ directory: DaemonSet selectors against pod labels, Services
 * against the pods they should (or must not) select, container ports, probes and annotations
 * against the Corefile the container actually reads, node-cache's -localip against the bind
 * lines, and (through {@link RbacChecker}) RBAC against the plugins that watch the API.
 * Returns human-readable problems; empty means consistent.
 */
final class ManifestChecker {
    /** The cluster DNS pods (CoreDNS): kube-dns-upstream selects them, never our own pods. */
    private static final Map<String, String> CLUSTER_DNS_PODS = Map.of("k8s-app", "kube-dns");
    /** node-cache's default base Corefile, where the ConfigMap is mounted (-basecorefile). */
    private static final String NODE_CACHE_BASE = "/etc/coredns/Corefile.base";
    /** node-cache's own metrics listener (-metrics-listen-address 0.0.0.0:9353). */
    private static final int NODE_CACHE_METRICS = 9353;

    private final DeployUnit unit;
    private final List<String> problems = new ArrayList<>();
    private final List<CorefileFacts> corefiles = new ArrayList<>();

    private ManifestChecker(DeployUnit unit) {
        this.unit = unit;
    }

    static List<String> check(DeployUnit unit) {
        ManifestChecker c = new ManifestChecker(unit);
        for (Map.Entry<String, String> f : unit.corefiles().entrySet()) {
            c.parse(f.getKey(), f.getValue());
        }
        for (V1DaemonSet ds : unit.all(V1DaemonSet.class)) {
            c.checkDaemonSet(ds);
        }
        for (V1Service svc : unit.all(V1Service.class)) {
            c.checkService(svc);
        }
        c.problems.addAll(RbacChecker.check(unit, c.corefiles));
        return c.problems.stream().distinct().toList();
    }

    private CorefileFacts parse(String name, String text) {
        try {
            CorefileFacts facts = CorefileFacts.parse(name, text);
            corefiles.add(facts);
            return facts;
        } catch (ConfigException | RuntimeException e) {
            problems.add(name + ": Corefile does not parse: " + e.getMessage());
            return null;
        }
    }

    private void checkDaemonSet(V1DaemonSet ds) {
        String where = "DaemonSet " + ds.getMetadata().getName();
        Map<String, String> selector = ds.getSpec().getSelector().getMatchLabels();
        Map<String, String> labels = ds.getSpec().getTemplate().getMetadata().getLabels();
        if (selector == null || selector.isEmpty() || !contains(labels, selector)) {
            problems.add(where + ": selector " + selector + " does not match the pod template labels " + labels);
        }
        V1PodSpec pod = ds.getSpec().getTemplate().getSpec();
        for (V1Container container : pod.getContainers()) {
            String at = where + " container " + container.getName();
            List<String> args = container.getArgs() == null ? List.of() : container.getArgs();
            String localIp = flag(args, "localip");
            String conf = localIp != null ? orElse(flag(args, "basecorefile"), NODE_CACHE_BASE) : flag(args, "conf");
            if (conf == null) {
                problems.add(at + ": no -conf: nodedns would not read the manifest's Corefile");
                continue;
            }
            String text = configFile(pod, container, conf, at);
            CorefileFacts facts = text == null ? null : parse(at + " " + conf, text);
            if (facts == null) {
                continue;
            }
            if (localIp != null) {
                Set<String> ips = new LinkedHashSet<>(List.of(DeployUnit.fillPillars(localIp).split(",")));
                if (!ips.equals(facts.binds())) {
                    problems.add(
                            at + ": -localip " + ips + " differs from the Corefile's bind addresses " + facts.binds());
                }
            }
            checkPorts(at, container, facts, localIp != null);
            checkProbe(at, "livenessProbe", container.getLivenessProbe(), "/health", facts.health(), container);
            checkProbe(at, "readinessProbe", container.getReadinessProbe(), "/ready", facts.ready(), container);
            Map<String, String> annotations = ds.getSpec().getTemplate().getMetadata().getAnnotations();
            checkScrapeAnnotation(where + " pod template", annotations, facts);
        }
    }

    /** The text of file path inside the container: a mounted ConfigMap key, or nothing. */
    private String configFile(V1PodSpec pod, V1Container container, String path, String at) {
        List<V1VolumeMount> mounts = container.getVolumeMounts() == null ? List.of() : container.getVolumeMounts();
        for (V1VolumeMount m : mounts) {
            String dir = m.getMountPath().endsWith("/") ? m.getMountPath() : m.getMountPath() + "/";
            if (!path.startsWith(dir)) {
                continue;
            }
            String rel = path.substring(dir.length());
            V1Volume volume = pod.getVolumes() == null
                    ? null
                    : pod.getVolumes().stream().filter(v -> v.getName().equals(m.getName())).findFirst().orElse(null);
            if (volume == null || volume.getConfigMap() == null) {
                continue;
            }
            String key = rel;
            if (volume.getConfigMap().getItems() != null && !volume.getConfigMap().getItems().isEmpty()) {
                key = null;
                for (V1KeyToPath item : volume.getConfigMap().getItems()) {
                    if (item.getPath().equals(rel)) {
                        key = item.getKey();
                    }
                }
            }
            for (V1ConfigMap cm : unit.all(V1ConfigMap.class)) {
                if (cm.getMetadata().getName().equals(volume.getConfigMap().getName()) && key != null
                        && cm.getData() != null && cm.getData().containsKey(key)) {
                    return cm.getData().get(key);
                }
            }
        }
        problems.add(at + ": reads " + path + " but no mounted ConfigMap of this manifest provides it");
        return null;
    }

    private void checkPorts(String at, V1Container container, CorefileFacts facts, boolean nodeCacheFlags) {
        List<V1ContainerPort> ports = container.getPorts() == null ? List.of() : container.getPorts();
        for (int dns : facts.dnsPorts()) {
            for (String proto : List.of("UDP", "TCP")) {
                if (ports.stream()
                        .noneMatch(p -> p.getContainerPort() == dns && proto.equals(protocol(p.getProtocol())))) {
                    problems.add(at + ": the Corefile serves DNS on " + dns + "/" + proto
                            + " but no containerPort declares it");
                }
            }
        }
        for (Address metrics : facts.prometheus()) {
            if (ports.stream().noneMatch(
                    p -> p.getContainerPort() == metrics.port() && "TCP".equals(protocol(p.getProtocol())))) {
                problems.add(at + ": the Corefile serves metrics on " + metrics + " but no containerPort declares it");
            }
        }
        Set<Integer> served = facts.servedPorts();
        if (nodeCacheFlags) {
            served.add(NODE_CACHE_METRICS);
        }
        for (V1ContainerPort p : ports) {
            if (!served.contains(p.getContainerPort())) {
                problems.add(at + ": containerPort " + p.getName() + " " + p.getContainerPort()
                        + " is served by nothing in the Corefile");
            }
        }
    }

    private void checkProbe(String at, String kind, V1Probe probe, String path, List<Address> served, V1Container c) {
        if (probe == null) {
            if (kind.equals("readinessProbe") && !served.isEmpty()) {
                problems.add(at + ": the Corefile serves /ready on " + served + " but there is no readinessProbe");
            }
            return;
        }
        V1HTTPGetAction get = probe.getHttpGet();
        if (get == null || !path.equals(get.getPath())) {
            problems.add(at + ": " + kind + " should be an httpGet of " + path);
            return;
        }
        int port = port(get.getPort(), c);
        String host = get.getHost() == null ? "" : DeployUnit.fillPillars(get.getHost());
        for (Address a : served) {
            if (a.port() == port && (a.host().isEmpty() || a.host().equals(host))) {
                return;
            }
        }
        problems.add(at + ": " + kind + " " + host + ":" + port + path + " but the Corefile serves " + path + " on "
                + served);
    }

    private void checkScrapeAnnotation(String where, Map<String, String> annotations, CorefileFacts facts) {
        String port = annotations == null ? null : annotations.get("prometheus.io/port");
        if (port != null && facts != null
                && facts.prometheus().stream().noneMatch(a -> String.valueOf(a.port()).equals(port))) {
            problems.add(
                    where + ": annotation prometheus.io/port " + port + " but the Corefile's prometheus listens on "
                            + facts.prometheus());
        }
    }

    private void checkService(V1Service svc) {
        String where = "Service " + svc.getMetadata().getName();
        Map<String, String> selector = svc.getSpec().getSelector();
        if (selector == null || selector.isEmpty()) {
            return;
        }
        List<V1DaemonSet> selected = new ArrayList<>();
        for (V1DaemonSet ds : unit.all(V1DaemonSet.class)) {
            if (contains(ds.getSpec().getTemplate().getMetadata().getLabels(), selector)) {
                selected.add(ds);
            }
        }
        if (selector.equals(CLUSTER_DNS_PODS)) {
            // the cluster's CoreDNS pods, not part of this manifest; selecting ours would loop
            for (V1DaemonSet ds : selected) {
                problems.add(where + ": selects the cluster DNS pods " + selector + " but also DaemonSet "
                        + ds.getMetadata().getName() + " (node-local DNS would forward to itself)");
            }
            return;
        }
        if (selected.isEmpty()) {
            problems.add(where + ": selector " + selector + " matches the pods of no DaemonSet in " + unit.dir());
            return;
        }
        for (V1DaemonSet ds : selected) {
            List<V1Container> containers = ds.getSpec().getTemplate().getSpec().getContainers();
            for (V1ServicePort sp : svc.getSpec().getPorts()) {
                IntOrString target = sp.getTargetPort() == null ? new IntOrString(sp.getPort()) : sp.getTargetPort();
                boolean found = containers.stream()
                        .anyMatch(c -> c.getPorts() != null && c.getPorts().stream()
                                .anyMatch(p -> (target.isInteger()
                                        ? Objects.equals(p.getContainerPort(), target.getIntValue())
                                        : target.getStrValue().equals(p.getName()))
                                        && protocol(p.getProtocol()).equals(protocol(sp.getProtocol()))));
                if (!found) {
                    problems.add(
                            where + ": port " + sp.getName() + " targets " + target + "/" + protocol(sp.getProtocol())
                                    + ", which DaemonSet " + ds.getMetadata().getName() + " does not declare");
                }
            }
            Map<String, String> annotations = svc.getMetadata().getAnnotations();
            String scrape = annotations == null ? null : annotations.get("prometheus.io/port");
            Map<String, String> podAnnotations = ds.getSpec().getTemplate().getMetadata().getAnnotations();
            if (scrape != null
                    && (podAnnotations == null || !scrape.equals(podAnnotations.get("prometheus.io/port")))) {
                problems.add(where + ": annotation prometheus.io/port " + scrape + " differs from DaemonSet "
                        + ds.getMetadata().getName() + "'s pods");
            }
        }
    }

    private static int port(IntOrString port, V1Container c) {
        if (port.isInteger()) {
            return port.getIntValue();
        }
        if (c.getPorts() != null) {
            for (V1ContainerPort p : c.getPorts()) {
                if (port.getStrValue().equals(p.getName())) {
                    return p.getContainerPort();
                }
            }
        }
        return -1;
    }

    /** Value of Go-style flag -name / --name (separate or =), else null. */
    static String flag(List<String> args, String name) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            for (String prefix : List.of("-" + name, "--" + name)) {
                if (a.equals(prefix) && i + 1 < args.size()) {
                    return args.get(i + 1);
                }
                if (a.startsWith(prefix + "=")) {
                    return a.substring(prefix.length() + 1);
                }
            }
        }
        return null;
    }

    private static boolean contains(Map<String, String> labels, Map<String, String> selector) {
        return labels != null && labels.entrySet().containsAll(selector.entrySet());
    }

    private static String protocol(String p) {
        return p == null ? "TCP" : p;
    }

    private static String orElse(String v, String fallback) {
        return v == null ? fallback : v;
    }
}
