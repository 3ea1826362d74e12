package io.nodedns.plugin.loadbalance;

import io.nodedns.config.FileContentException;
import io.nodedns.config.IpPrefix;
import io.nodedns.data.ChunkedBytes;
import io.nodedns.data.DataBudget;
import io.nodedns.data.NameIndex;
import io.nodedns.wire.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One weight file of the {@code weighted} policy (CoreDNS plugin/loadbalance): for each domain name
 * the weights (1..255) of its addresses. Names are in a {@link NameIndex} (the one name table), so
 * finding an address record's owner is one hash probe whatever the file holds, ignoring case;
 * addresses are compared with A/AAAA RDATA in place, an IPv4-mapped IPv6 address equal to its IPv4
 * form as Go's {@code net.IP.Equal} has it. Immutable: a reload builds a new table.
 */
final class WeightTable {
    static final WeightTable EMPTY = new WeightTable(List.of(), new int[]{0}, new byte[0][], new int[0]);

    /** Each domain's wire name with its index. */
    private final NameIndex index;
    /** Domain i's entries are [first[i], first[i + 1]). */
    private final int[] first;
    private final byte[][] addresses;
    private final int[] weights;

    /** @param domains the domains in wire form, domain i's entries at [first[i], first[i + 1]) */
    private WeightTable(List<byte[]> domains, int[] first, byte[][] addresses, int[] weights) {
        // the file is capped (WeightFile.MAX_BYTES), so its names need no budget of their own
        DataBudget budget = new DataBudget(Long.MAX_VALUE, "weight file names");
        ChunkedBytes names = new ChunkedBytes(budget, NameIndex.MAX_BYTES);
        this.index = new NameIndex(names, budget);
        for (int i = 0; i < domains.size(); i++) {
            byte[] wire = domains.get(i);
            index.addWithValue(new UnsafeBuffer(wire), 0, wire.length, i);
        }
        names.trim();
        index.trim();
        this.first = first;
        this.addresses = addresses;
        this.weights = weights;
    }

    int domains() {
        return index.size();
    }

    /** The domain whose name equals the uncompressed name at {@code off} ignoring case, or -1. */
    int domain(DirectBuffer b, int off, int len) {
        return index.value(b, off, len);
    }

    /** The weight of the address RDATA at {@code off} ({@code len} 4 or 16 bytes) for {@code domain}; 1 if none is given. */
    int weight(int domain, DirectBuffer b, int off, int len) {
        if (domain < 0) {
            return 1;
        }
        if (len == 16 && PreferredSubnets.isV4Mapped(b, off)) {
            off += 12;
            len = 4;
        }
        for (int e = first[domain]; e < first[domain + 1]; e++) {
            byte[] a = addresses[e];
            if (a.length == len && sameBytes(a, b, off)) {
                return weights[e]; // the first line for an address wins, as in CoreDNS
            }
        }
        return 1;
    }

    private static boolean sameBytes(byte[] a, DirectBuffer b, int off) {
        for (int k = 0; k < a.length; k++) {
            if (a[k] != b.getByte(off + k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a weight file: blank lines and {@code #} comments are skipped, a line with one field
     * names a domain (a missing final dot is added), a line with two is "IP WEIGHT" for the last
     * domain. Anything else fails with the file and line, where CoreDNS names only the file.
     */
    static WeightTable parse(String file, String text) throws FileContentException {
        Map<String, List<Object[]>> byDomain = new LinkedHashMap<>();
        List<Object[]> current = null;
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            int lineNo = n + 1;
            if (fields.length == 1) {
                if (address(fields[0]) != null) {
                    throw new FileContentException(file, lineNo, "wrong domain name: \"" + fields[0]
                            + "\" in weight file " + file + " (maybe a missing weight value?)");
                }
                String name = fields[0].endsWith(".") ? fields[0] : fields[0] + ".";
                if (Names.fromString(name, scratch, 0) <= 0) {
                    throw new FileContentException(file, lineNo,
                            "wrong domain name: \"" + fields[0] + "\" in weight file " + file);
                }
                current = byDomain.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>());
            } else if (fields.length == 2) {
                byte[] ip = address(fields[0]);
                if (ip == null) {
                    throw new FileContentException(file, lineNo,
                            "wrong IP address: \"" + fields[0] + "\" in weight file " + file);
                }
                if (!fields[1].matches("[0-9]{1,3}") || Integer.parseInt(fields[1]) < 1
                        || Integer.parseInt(fields[1]) > 255) {
                    throw new FileContentException(file, lineNo, "wrong weight value: \"" + fields[1]
                            + "\" in weight file " + file + " (1 to 255)");
                }
                if (current == null) {
                    throw new FileContentException(file, lineNo, "missing domain name in weight file " + file);
                }
                current.add(new Object[]{ip, Integer.parseInt(fields[1])});
            } else {
                throw new FileContentException(file, lineNo,
                        "could not parse weight line: \"" + line + "\" in weight file " + file);
            }
        }
        int[] first = new int[byDomain.size() + 1];
        List<byte[]> domains = new ArrayList<>();
        List<byte[]> addresses = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        int d = 0;
        for (Map.Entry<String, List<Object[]>> domain : byDomain.entrySet()) {
            byte[] wire = new byte[Names.fromString(domain.getKey(), scratch, 0)];
            scratch.getBytes(0, wire);
            domains.add(wire);
            for (Object[] e : domain.getValue()) {
                addresses.add((byte[]) e[0]);
                weights.add((Integer) e[1]);
            }
            first[++d] = addresses.size();
        }
        int[] w = new int[weights.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = weights.get(i);
        }
        return new WeightTable(domains, first, addresses.toArray(new byte[0][]), w);
    }

    /** An IPv4 or IPv6 address (an IPv4-mapped one as its 4 bytes), or null. */
    private static byte[] address(String s) {
        return IpPrefix.unmapped(IpPrefix.parseIp(s));
    }
}
