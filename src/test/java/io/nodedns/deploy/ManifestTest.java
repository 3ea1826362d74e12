package io.nodedns.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import io.nodedns.testing.Unmeasured;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest in deploy/ loads into the official client's typed models and its
 * cross-references hold ({@link ManifestChecker}); breaking one label, port or rule is reported.
 */
@Unmeasured
class ManifestTest {
    private static final Path DEPLOY = Path.of("deploy");
    private static final Path DROP_IN = DEPLOY.resolve("nodelocaldns.yaml");

    @Test
    void everyManifestLoadsIntoTypedModels() throws IOException {
        List<DeployUnit> units = DeployUnit.loadAll(DEPLOY);
        int objects = 0;
        for (DeployUnit unit : units) {
            for (Object o : unit.objects()) {
                KubernetesObject k = assertInstanceOf(KubernetesObject.class, o, unit.dir() + ": untyped object " + o);
                assertFalse(k.getMetadata().getName() == null || k.getMetadata().getName().isEmpty(),
                        "unnamed " + k.getKind());
                objects++;
            }
        }
        System.out.printf("deploy/: %d directories, %d objects%n", units.size(), objects);
        assertTrue(objects >= 5 + 2, "expected at least the drop-in's five objects and the kubeforward RBAC");
    }

    @Test
    void everyDirectoryIsConsistent() throws IOException {
        List<String> all = new ArrayList<>();
        for (DeployUnit unit : DeployUnit.loadAll(DEPLOY)) {
            all.addAll(ManifestChecker.check(unit));
        }
        assertEquals(List.of(), all);
    }

    /** The drop-in keeps the official manifest's identifiers (the values installers and sed scripts rely on). */
    @Test
    void dropInKeepsTheOfficialNamesArgsAndMounts() throws IOException {
        DeployUnit unit = dropIn();
        assertEquals(List.of("ServiceAccount/node-local-dns", "Service/kube-dns-upstream", "ConfigMap/node-local-dns",
                "DaemonSet/node-local-dns", "Service/node-local-dns"),
                unit.objects().stream()
                        .map(o -> ((KubernetesObject) o).getKind() + "/"
                                + ((KubernetesObject) o).getMetadata().getName())
                        .toList());
        V1DaemonSet ds = unit.all(V1DaemonSet.class).get(0);
        V1Container c = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("node-cache", c.getName());
        assertEquals(List.of("-localip", "__PILLAR__LOCAL__DNS__,__PILLAR__DNS__SERVER__", "-conf", "/etc/Corefile",
                "-upstreamsvc", "kube-dns-upstream", "-pidfile", "/tmp/node-cache.pid"), c.getArgs());
        assertEquals(List.of("/run/xtables.lock", "/etc/coredns", "/etc/kube-dns"),
                c.getVolumeMounts().stream().map(V1VolumeMount::getMountPath).toList());
        assertEquals(List.of("NET_ADMIN"), c.getSecurityContext().getCapabilities().getAdd());
        assertTrue(ds.getSpec().getTemplate().getSpec().getHostNetwork());
        assertEquals("Default", ds.getSpec().getTemplate().getSpec().getDnsPolicy());
        assertEquals("/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertTrue(c.getResources().getRequests().get("memory").getNumber().longValue() >= 32L << 20,
                "the memory request should be the measured RSS, not node-cache's 5Mi");
    }

    static Stream<Arguments> brokenManifests() {
        return Stream.of(
                broken("pod label differs from the DaemonSet selector", DROP_IN,
                        u -> daemonSet(u).getSpec().getTemplate().getMetadata().getLabels().put("k8s-app",
                                "node-local-dnz"),
                        "does not match the pod template labels"),
                broken("metrics Service selects no pods", DROP_IN,
                        u -> service(u, "node-local-dns").getSpec().getSelector().put("k8s-app", "nodelocal"),
                        "Service node-local-dns: selector"),
                broken("kube-dns-upstream selects node-local-dns itself", DROP_IN,
                        u -> daemonSet(u).getSpec().getTemplate().getMetadata().getLabels().put("k8s-app", "kube-dns"),
                        "would forward to itself"),
                broken("DNS containerPort 53/UDP becomes 54", DROP_IN,
                        u -> container(u).getPorts().get(0).setContainerPort(54),
                        "DNS on 53/UDP"),
                broken("metrics containerPort becomes 9254", DROP_IN,
                        u -> container(u).getPorts().get(2).setContainerPort(9254),
                        "metrics on :9253"),
                broken("metrics Service targets a port the pod lacks", DROP_IN,
                        u -> service(u, "node-local-dns").getSpec().getPorts().get(0)
                                .setTargetPort(new IntOrString(9999)),
                        "targets 9999/TCP"),
                broken("Corefile moves prometheus to 9254", DROP_IN,
                        u -> corefile(u, "prometheus :9253", "prometheus :9254"),
                        "annotation prometheus.io/port 9253"),
                broken("liveness probe on the wrong port", DROP_IN,
                        u -> container(u).getLivenessProbe().getHttpGet().setPort(new IntOrString(8081)),
                        "livenessProbe 169.254.20.10:8081/health"),
                broken("readiness probe on the wrong port", DROP_IN,
                        u -> container(u).getReadinessProbe().getHttpGet().setPort(new IntOrString(8182)),
                        "readinessProbe 169.254.20.10:8182/ready"),
                broken("ready line removed from the Corefile", DROP_IN,
                        u -> corefile(u, "ready __PILLAR__LOCAL__DNS__:8181", ""),
                        "serves /ready on []"),
                broken("-localip disagrees with bind", DROP_IN,
                        u -> container(u).getArgs().set(1, "__PILLAR__LOCAL__DNS__"),
                        "differs from the Corefile's bind addresses"),
                broken("ConfigMap mounted elsewhere", DROP_IN,
                        u -> container(u).getVolumeMounts().get(1).setMountPath("/etc/config"),
                        "reads /etc/coredns/Corefile.base"),
                broken("kubeforward Role lacks watch", DEPLOY.resolve("kubeforward"),
                        u -> u.all(V1Role.class).get(0).getRules().get(0).getVerbs().remove("watch"),
                        "needs watch on discovery.k8s.io/endpointslices in namespace kube-system"),
                broken("kubeforward RoleBinding names another ServiceAccount", DEPLOY.resolve("kubeforward"),
                        u -> u.all(V1RoleBinding.class).get(0).getSubjects().get(0).setName("default"),
                        "needs get on discovery.k8s.io/endpointslices"),
                broken("HA pod annotation points at another metrics port", DEPLOY.resolve("ha"),
                        u -> daemonSet(u).getSpec().getTemplate().getMetadata().getAnnotations()
                                .put("prometheus.io/port", "9353"),
                        "annotation prometheus.io/port 9353"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenManifests")
    void aBrokenLabelPortOrRuleIsReported(String what, Path path, Consumer<DeployUnit> breakIt, String expected)
            throws IOException {
        DeployUnit unit = path.toString().endsWith(".yaml")
                ? new DeployUnit(path.getParent(), DeployUnit.loadYaml(path), java.util.Map.of())
                : DeployUnit.load(path);
        assertEquals(List.of(), ManifestChecker.check(unit), "consistent before the change");
        breakIt.accept(unit);
        List<String> problems = ManifestChecker.check(unit);
        System.out.printf("%s -> %s%n", what, problems);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), what + ": expected a problem containing '"
                + expected + "', got " + problems);
    }

    private static Arguments broken(String what, Path path, Consumer<DeployUnit> breakIt, String expected) {
        return Arguments.of(what, path, breakIt, expected);
    }

    private static DeployUnit dropIn() throws IOException {
        return new DeployUnit(DEPLOY, DeployUnit.loadYaml(DROP_IN), java.util.Map.of());
    }

    private static V1DaemonSet daemonSet(DeployUnit u) {
        return u.all(V1DaemonSet.class).get(0);
    }

    private static V1Container container(DeployUnit u) {
        return daemonSet(u).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static V1Service service(DeployUnit u, String name) {
        return u.all(V1Service.class).stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow();
    }

    private static void corefile(DeployUnit u, String from, String to) {
        V1ConfigMap cm = u.all(V1ConfigMap.class).get(0);
        String text = cm.getData().get("Corefile");
        assertTrue(text.contains(from), "the Corefile has no '" + from + "'");
        cm.getData().put("Corefile", text.replace(from, to));
    }
}
