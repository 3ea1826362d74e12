package io.nodedns.plugin.autopath;

import io.nodedns.server.Exchange;
import java.util.List;
import org.xbill.DNS.Name;

/**
 * Where a client's search path comes from (CoreDNS's autopath.Func): a resolv.conf's search line,
 * or the kubernetes plugin, which knows the client pod's namespace.
 */
interface SearchPath {
    /**
     * Whether the question lies below the client's first search domain, read in place from the
     * query: no string, no allocation, since every query of autopath's zones is asked this.
     */
    boolean matches(Exchange ex);

    /**
     * The client's search path for {@code qname}, first domain first, ending with the root (the
     * name as asked, CoreDNS's "" sentinel); null when {@code qname} no longer lies below its
     * first domain (the client's pod changed since {@link #matches}).
     */
    List<Name> of(Exchange ex, Name qname);
}
