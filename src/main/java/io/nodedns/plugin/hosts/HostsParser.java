package io.nodedns.plugin.hosts;

import io.nodedns.config.IpPrefix;
import io.nodedns.config.Zones;
import io.nodedns.wire.Names;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads hosts(5) lines as CoreDNS's hostsfile.go does, straight into a {@link HostsTable.Builder}
 * (one line in memory at a time): names lower-cased and fully qualified, names outside the
 * plugin's zones dropped, an IPv4-mapped IPv6 address counted as IPv4, wildcard owners kept apart
 * and never reversed. Malformed lines are skipped, as CoreDNS does.
 */
final class HostsParser {
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private final List<String> origins;
    private final boolean autoReverse;
    private final UnsafeBuffer wire = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);

    HostsParser(List<String> origins, boolean autoReverse) {
        this.origins = origins;
        this.autoReverse = autoReverse;
    }

    void parse(BufferedReader reader, HostsTable.Builder into) throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            addLine(line, into);
        }
    }

    private void addLine(String line, HostsTable.Builder into) {
        int hash = line.indexOf('#');
        if (hash >= 0) {
            line = line.substring(0, hash);
        }
        String[] fields = SPACE.split(line.trim());
        if (fields.length < 2) {
            return;
        }
        byte[] ip = parseIp(fields[0]);
        if (ip == null) {
            return;
        }
        for (int i = 1; i < fields.length; i++) {
            String name = fqdnLower(fields[i]);
            if (!Zones.isValidDomainName(name) || Zones.matches(origins, name) == null) {
                continue;
            }
            int length = Names.fromString(name, wire, 0);
            if (length < 0) {
                continue; // not encodable in wire form
            }
            Names.toLowerCase(wire, 0, length);
            into.add(ip, wire, length, name.startsWith("*."), autoReverse);
        }
    }

    /** Go's net.ParseIP after dropping an IPv6 zone; IPv4-mapped addresses come back as 4 bytes (To4). */
    static byte[] parseIp(String text) {
        int zone = text.indexOf('%');
        if (zone >= 0) {
            text = text.substring(0, zone);
        }
        return IpPrefix.unmapped(IpPrefix.parseIp(text));
    }

    private static String fqdnLower(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }
}
