package io.nodedns.plugin.prometheus;

import io.nodedns.wire.DnsHeader;

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
            case 1 -> 0;
            case 28 -> 1;
            case 15 -> 2;
            case 6 -> 3;
            case 5 -> 4;
            case 12 -> 5;
            case 16 -> 6;
            case 2 -> 7;
            case 33 -> 8;
            case 43 -> 9;
            case 48 -> 10;
            case 46 -> 11;
            case 47 -> 12;
            case 50 -> 13;
            case 65 -> 14;
            case 251 -> 15;
            case 252 -> 16;
            case 255 -> 17;
            default -> 18;
        };
    }
}
