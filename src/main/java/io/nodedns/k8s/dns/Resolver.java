package io.nodedns.k8s.dns;

import io.nodedns.k8s.ClusterView;

/** The name grammar of one kind of zone (cluster.local or clusterset.local) over a {@link ClusterView}. */
public interface Resolver {
    /**
     * What {@code query.name} holds. Apex records (SOA, NS) and {@code dns-version} are the
     * handler's; the resolver answers everything below the apex.
     */
    NameRecords resolve(ClusterView view, Query query);

    /** The TXT value of {@code dns-version.ZONE}. */
    String schemaVersion();
}
