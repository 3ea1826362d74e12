package io.nodedns.plugin.prometheus;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Records;

/** CoreDNS's label value tables: the qtypes it names (others are "other") and rcode mnemonics. */
final class Labels {
    static final String[] TYPES = {"A", "AAAA", "MX", "SOA", "CNAME", "PTR", "TXT", "NS", "SRV", "DS", "DNSKEY",
            "RRSIG", "NSEC", "NSEC3", "HTTPS", "IXFR", "AXFR", "ANY", "other"};
    static final String[] RCODES = new String[24];

    static {
        for (int i = 0; i < RCODES.length; i++) {
            RCODES[i] = DnsHeader.rcodeName(i);
        }
    }

    private Labels() {}

    static int typeIndex(int qtype) {
        return switch (qtype) {
            case Records.TYPE_A -> 0;
            case Records.TYPE_AAAA -> 1;
            case Records.TYPE_MX -> 2;
            case Records.TYPE_SOA -> 3;
            case Records.TYPE_CNAME -> 4;
            case Records.TYPE_PTR -> 5;
            case Records.TYPE_TXT -> 6;
            case Records.TYPE_NS -> 7;
            case Records.TYPE_SRV -> 8;
            case Records.TYPE_DS -> 9;
            case Records.TYPE_DNSKEY -> 10;
            case Records.TYPE_RRSIG -> 11;
            case Records.TYPE_NSEC -> 12;
            case Records.TYPE_NSEC3 -> 13;
            case Records.TYPE_HTTPS -> 14;
            case Records.TYPE_IXFR -> 15;
            case Records.TYPE_AXFR -> 16;
            case Records.TYPE_ANY -> 17;
            default -> 18;
        };
    }
}
