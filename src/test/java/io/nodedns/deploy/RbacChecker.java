package io.nodedns.deploy;

import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.nodedns.deploy.CorefileFacts.ApiNeed;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether the RBAC objects of a deploy/ directory let the node-local DNS ServiceAccount read what
 * the Corefiles' plugins watch. A Role grants only in its own namespace; a ClusterRole through a
 * ClusterRoleBinding grants everywhere (through a RoleBinding, only in that binding's namespace).
 */
final class RbacChecker {
    private static final String DEFAULT_NAMESPACE = "kube-system";
    private static final String DEFAULT_ACCOUNT = "node-local-dns";

    /** The grants bound to one ServiceAccount: rules, and the namespace they apply in (null: all). */
    private record Grant(List<V1PolicyRule> rules, String namespace) {
    }

    private RbacChecker() {}

    static List<String> check(DeployUnit unit, List<CorefileFacts> corefiles) {
        List<String> problems = new ArrayList<>();
        Set<String> accounts = new LinkedHashSet<>();
        for (V1DaemonSet ds : unit.all(V1DaemonSet.class)) {
            String ns = ds.getMetadata().getNamespace() == null ? DEFAULT_NAMESPACE : ds.getMetadata().getNamespace();
            String sa = ds.getSpec().getTemplate().getSpec().getServiceAccountName();
            accounts.add(ns + "/" + (sa == null ? "default" : sa));
        }
        if (accounts.isEmpty()) {
            accounts.add(DEFAULT_NAMESPACE + "/" + DEFAULT_ACCOUNT); // RBAC meant for the official DaemonSet
        }
        for (String account : accounts) {
            List<Grant> grants = grants(unit, account);
            for (CorefileFacts facts : corefiles) {
                for (ApiNeed need : facts.apiNeeds()) {
                    for (String verb : need.verbs()) {
                        if (!allowed(grants, need, verb)) {
                            problems.add(facts.name() + ": plugin " + need.plugin() + " needs " + verb + " on "
                                    + (need.apiGroup().isEmpty() ? "" : need.apiGroup() + "/") + need.resource()
                                    + (need.namespace() == null ? " cluster-wide" : " in namespace " + need.namespace())
                                    + " but no Role/ClusterRole in " + unit.dir() + " bound to ServiceAccount "
                                    + account
                                    + " grants it");
                        }
                    }
                }
            }
        }
        return problems;
    }

    private static List<Grant> grants(DeployUnit unit, String account) {
        List<Grant> out = new ArrayList<>();
        for (V1RoleBinding rb : unit.all(V1RoleBinding.class)) {
            String ns = rb.getMetadata().getNamespace();
            if (binds(rb.getSubjects(), account, ns)) {
                out.add(new Grant(rules(unit, rb.getRoleRef(), ns), ns));
            }
        }
        for (V1ClusterRoleBinding crb : unit.all(V1ClusterRoleBinding.class)) {
            if (binds(crb.getSubjects(), account, null)) {
                out.add(new Grant(rules(unit, crb.getRoleRef(), null), null));
            }
        }
        return out;
    }

    private static boolean binds(List<RbacV1Subject> subjects, String account, String bindingNamespace) {
        if (subjects == null) {
            return false;
        }
        for (RbacV1Subject s : subjects) {
            String ns = s.getNamespace() != null ? s.getNamespace() : bindingNamespace;
            if ("ServiceAccount".equals(s.getKind()) && account.equals(ns + "/" + s.getName())) {
                return true;
            }
        }
        return false;
    }

    private static List<V1PolicyRule> rules(DeployUnit unit, V1RoleRef ref, String namespace) {
        List<V1PolicyRule> out = new ArrayList<>();
        if ("Role".equals(ref.getKind())) {
            for (V1Role r : unit.all(V1Role.class)) {
                if (r.getMetadata().getName().equals(ref.getName()) && r.getMetadata().getNamespace() != null
                        && r.getMetadata().getNamespace().equals(namespace) && r.getRules() != null) {
                    out.addAll(r.getRules());
                }
            }
        } else if ("ClusterRole".equals(ref.getKind())) {
            for (V1ClusterRole r : unit.all(V1ClusterRole.class)) {
                if (r.getMetadata().getName().equals(ref.getName()) && r.getRules() != null) {
                    out.addAll(r.getRules());
                }
            }
        }
        return out;
    }

    private static boolean allowed(List<Grant> grants, ApiNeed need, String verb) {
        for (Grant g : grants) {
            if (g.namespace() != null && !g.namespace().equals(need.namespace())) {
                continue; // namespaced grant: useless for cluster-wide watches and other namespaces
            }
            for (V1PolicyRule rule : g.rules()) {
                if (matches(rule.getApiGroups(), need.apiGroup()) && matches(rule.getResources(), need.resource())
                        && matches(rule.getVerbs(), verb)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matches(List<String> values, String wanted) {
        return values != null && (values.contains(wanted) || values.contains("*"));
    }
}
