package io.nodedns.plugin.hosts;

import io.nodedns.config.IpPrefix;
import io.nodedns.config.Zones;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The entries of one hosts source (the file, or the inline lines) as CoreDNS's hostsfile.go reads
 * them: names lower-cased and fully qualified, names outside the plugin's zones dropped, addresses
 * grouped by family (an IPv4-mapped IPv6 address counts as IPv4), wildcard owners kept apart and
 * never reversed. Built at load time only; {@link HostsTable} turns it into wire bytes.
 */
final class HostsMap {
    /** name -> addresses (4 bytes for IPv4, 16 for IPv6), in file order. */
    final Map<String, List<byte[]>> name4 = new LinkedHashMap<>();
    final Map<String, List<byte[]>> name6 = new LinkedHashMap<>();
    /** "*.parent." owner -> addresses. */
    final Map<String, List<byte[]>> wild4 = new LinkedHashMap<>();
    final Map<String, List<byte[]>> wild6 = new LinkedHashMap<>();
    /** 16-byte address (IPv4 as ::ffff:a.b.c.d) -> owner names, for PTR. */
    final Map<AddressKey, List<String>> addr = new LinkedHashMap<>();

    static final HostsMap EMPTY = new HostsMap();

    record AddressKey(long high, long low) {
        static AddressKey of(byte[] ip16) {
            return new AddressKey(toLong(ip16, 0), toLong(ip16, 8));
        }

        private static long toLong(byte[] b, int off) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (b[off + i] & 0xFF);
            }
            return v;
        }
    }

    /** Reads hosts(5) lines; malformed lines are skipped, as CoreDNS does. */
    static HostsMap parse(Reader source, List<String> origins, boolean autoReverse) throws IOException {
        HostsMap map = new HostsMap();
        BufferedReader reader = source instanceof BufferedReader b ? b : new BufferedReader(source);
        String line;
        while ((line = reader.readLine()) != null) {
            map.addLine(line, origins, autoReverse);
        }
        return map;
    }

    private void addLine(String line, List<String> origins, boolean autoReverse) {
        int hash = line.indexOf('#');
        if (hash >= 0) {
            line = line.substring(0, hash);
        }
        String[] fields = line.trim().split("\\s+");
        if (fields.length < 2) {
            return;
        }
        byte[] ip = parseIp(fields[0]);
        if (ip == null) {
            return;
        }
        boolean v4 = ip.length == 4;
        for (int i = 1; i < fields.length; i++) {
            String name = fqdnLower(fields[i]);
            if (!Zones.isValidDomainName(name) || !encodable(name) || Zones.matches(origins, name) == null) {
                continue;
            }
            if (name.startsWith("*.")) {
                (v4 ? wild4 : wild6).computeIfAbsent(name, k -> new ArrayList<>()).add(ip);
                continue;
            }
            (v4 ? name4 : name6).computeIfAbsent(name, k -> new ArrayList<>()).add(ip);
            if (autoReverse) {
                addr.computeIfAbsent(AddressKey.of(to16(ip)), k -> new ArrayList<>()).add(name);
            }
        }
    }

    private static boolean encodable(String name) {
        try {
            NameTable.wire(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Go's net.ParseIP after dropping an IPv6 zone; IPv4-mapped addresses come back as 4 bytes (To4). */
    static byte[] parseIp(String text) {
        int zone = text.indexOf('%');
        if (zone >= 0) {
            text = text.substring(0, zone);
        }
        byte[] ip = text.indexOf(':') >= 0 ? IpPrefix.parseIpv6(text) : IpPrefix.parseIpv4(text);
        if (ip != null && ip.length == 16 && isV4Mapped(ip)) {
            return new byte[] {ip[12], ip[13], ip[14], ip[15]};
        }
        return ip;
    }

    private static boolean isV4Mapped(byte[] ip) {
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return ip[10] == (byte) 0xFF && ip[11] == (byte) 0xFF;
    }

    static byte[] to16(byte[] ip) {
        if (ip.length == 16) {
            return ip;
        }
        byte[] out = new byte[16];
        out[10] = (byte) 0xFF;
        out[11] = (byte) 0xFF;
        System.arraycopy(ip, 0, out, 12, 4);
        return out;
    }

    private static String fqdnLower(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }

    /** CoreDNS's Map.Len: every address of every name (wildcards included) plus every reverse name. */
    int size() {
        int n = 0;
        for (Map<String, List<byte[]>> m : List.of(name4, name6, wild4, wild6)) {
            for (List<byte[]> ips : m.values()) {
                n += ips.size();
            }
        }
        for (List<String> names : addr.values()) {
            n += names.size();
        }
        return n;
    }

    /** This map with {@code inline}'s entries replacing ours per name and family (and per address for PTR). */
    HostsMap overriddenBy(HostsMap inline) {
        HostsMap out = new HostsMap();
        merge(out.name4, name4, inline.name4);
        merge(out.name6, name6, inline.name6);
        merge(out.wild4, wild4, inline.wild4);
        merge(out.wild6, wild6, inline.wild6);
        merge(out.addr, addr, inline.addr);
        return out;
    }

    private static <K, V> void merge(Map<K, V> into, Map<K, V> base, Map<K, V> override) {
        into.putAll(base);
        into.putAll(override);
    }
}
