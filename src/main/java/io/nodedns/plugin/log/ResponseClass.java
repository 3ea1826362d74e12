package io.nodedns.plugin.log;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.RecordWalker;
import io.nodedns.wire.Records;
import org.agrona.DirectBuffer;

/** CoreDNS's response classes for log's {@code class} filter: success, denial, error. */
public enum ResponseClass {
    SUCCESS, DENIAL, ERROR;

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The class as CoreDNS names it ({@code success}, {@code denial}, {@code error}). */
    public String label() {
        return label;
    }

    /** NOERROR with answers or a delegation is success; NXDOMAIN and NODATA are denial; the rest error. */
    public static ResponseClass of(DirectBuffer reply, int length, RecordWalker walker) {
        if (length < DnsHeader.LENGTH) {
            return ERROR;
        }
        int rcode = DnsHeader.rcode(reply, 0);
        if (rcode == DnsHeader.RCODE_NXDOMAIN) {
            return DENIAL;
        }
        if (rcode != DnsHeader.RCODE_NOERROR) {
            return ERROR;
        }
        if (DnsHeader.ancount(reply, 0) > 0) {
            return SUCCESS;
        }
        boolean ns = false;
        boolean soa = false;
        if (walker.wrap(reply, 0, length) >= 0) {
            while (walker.next()) {
                if (walker.section() == 2) {
                    ns |= walker.type() == Records.TYPE_NS;
                    soa |= walker.type() == Records.TYPE_SOA;
                }
            }
        }
        return ns && !soa ? SUCCESS : DENIAL;
    }
}
