package io.nodedns.plugin.autopath;

import io.nodedns.server.Exchange;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ZoneSet;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** One search path for every client: the search line of a resolv.conf-style file. */
final class FileSearchPath implements SearchPath {
    private final ZoneSet first;
    private final List<Name> path;

    /** {@code search}: normalized domains, at least one. */
    FileSearchPath(List<String> search) {
        this.first = ZoneSet.of(search.getFirst());
        List<Name> names = new ArrayList<>(search.size() + 1);
        try {
            for (String s : search) {
                names.add(Name.fromString(s));
            }
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e); // checked by the setup
        }
        names.add(Name.root);
        this.path = List.copyOf(names);
    }

    /** Below the first domain; the domain itself is passed on (CoreDNS answers it SERVFAIL: nothing to trim). */
    @Override
    public boolean matches(Exchange ex) {
        QueryView q = ex.query();
        return first.contains(0, q.buffer(), q.qnameOffset(), q.qnameLength())
                && !first.isApex(0, q.buffer(), q.qnameOffset(), q.qnameLength());
    }

    @Override
    public List<Name> of(Exchange ex, Name qname) {
        return path;
    }
}
