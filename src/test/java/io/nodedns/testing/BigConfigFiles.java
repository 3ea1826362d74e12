package io.nodedns.testing;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Generates large zone and hosts files for the load tests, written in one pass (a million records
 * take about a second). Names and data follow from the index, so tests can check any answer.
 */
public final class BigConfigFiles {
    private BigConfigFiles() {}

    /** The IPv4 address of host {@code i}. */
    public static String v4(int i) {
        return "10." + ((i >>> 16) & 0xFF) + "." + ((i >>> 8) & 0xFF) + "." + (i & 0xFF);
    }

    /** The IPv6 address of host {@code i}. */
    public static String v6(int i) {
        return "2001:db8::" + Integer.toHexString(i >>> 16) + ":" + Integer.toHexString(i & 0xFFFF);
    }

    /**
     * A zone for {@code origin} with {@code records} records besides the apex SOA: apex NS and glue,
     * a wildcard, a delegation with glue, then host {@code i} ("h{i}") owning record i: by
     * {@code i % 100}, 75 % A, 15 % AAAA, 7 % TXT, 2 % CNAME to the last TXT host before them
     * (h{i - i % 100 + 96}), 1 % MX pointing at h{i - 99} (an A host).
     */
    public static void zone(Path file, String origin, int records) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("$ORIGIN " + origin + "\n$TTL 300\n");
            w.write("@ IN SOA ns1 hostmaster 2026120601 7200 3600 1209600 300\n");
            w.write("@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n");
            w.write("*.w IN A 192.0.2.9\nsub IN NS ns.sub\nns.sub IN A 192.0.2.53\n");
            int fixed = 7;
            for (int i = 0; i < records - fixed; i++) {
                int kind = i % 100;
                w.write('h');
                w.write(Integer.toString(i));
                if (kind < 75) {
                    w.write(" IN A ");
                    w.write(v4(i));
                } else if (kind < 90) {
                    w.write(" IN AAAA ");
                    w.write(v6(i));
                } else if (kind < 97) {
                    w.write(" IN TXT \"v=");
                    w.write(Integer.toString(i));
                    w.write('"');
                } else if (kind < 99) {
                    w.write(" IN CNAME h");
                    w.write(Integer.toString(i - kind + 96));
                } else {
                    w.write(" IN MX 10 h");
                    w.write(Integer.toString(i - 99));
                }
                w.write('\n');
            }
        }
    }

    /**
     * A hosts file of {@code lines} lines: "v4(i) h{i}.{domain}", every tenth line an IPv6 one
     * ("v6(i) h{i}.{domain}"), every hundredth with a second name "a{i}.{domain}", and comments.
     */
    public static void hosts(Path file, String domain, int lines) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("# generated\n127.0.0.1 localhost\n");
            for (int i = 0; i < lines - 2; i++) {
                w.write(i % 10 == 9 ? v6(i) : v4(i));
                w.write(" h");
                w.write(Integer.toString(i));
                w.write('.');
                w.write(domain);
                if (i % 100 == 0) {
                    w.write(" a");
                    w.write(Integer.toString(i));
                    w.write('.');
                    w.write(domain);
                }
                w.write('\n');
            }
        }
    }
}
