package io.nodedns.k8s.dns;

import io.nodedns.k8s.ClusterView;
import org.xbill.DNS.Name;

/**
 * What a cluster grammar offers the k8s_external plugin (CoreDNS's {@code Externaler}, which the
 * kubernetes plugin implements): the external names of its Services.
 */
public interface Externaler {
    /**
     * What {@code q} holds below a k8s_external zone (below its apex label): {@code svc.ns},
     * {@code endpoint.svc.ns} and {@code _port._proto.svc.ns} answer a Service's external and
     * load-balancer addresses, or with {@code headless} a headless Service's ready endpoints; a
     * PTR query in a reverse zone names the Services with that external IP under {@code firstZone}.
     */
    NameRecords external(ClusterView view, Query q, boolean headless, Name firstZone);
}
