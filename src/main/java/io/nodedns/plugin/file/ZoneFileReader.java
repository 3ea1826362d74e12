package io.nodedns.plugin.file;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Reads an RFC 1035 master file with dnsjava into the records of one zone (load time only).
 * {@code $ORIGIN}, {@code $TTL} and {@code $GENERATE} work; {@code $INCLUDE} is refused, so a zone
 * file can never pull in other files. DNSSEC records (RRSIG, NSEC, NSEC3, NSEC3PARAM) are skipped:
 * nodedns does not serve DNSSEC. Records outside the origin and of classes other than IN are skipped.
 */
final class ZoneFileReader {
    /** dnsjava's parse errors read "FILE:LINE: message". */
    private static final Pattern LOCATED = Pattern.compile("^(.*):(\\d+): (.*)$", Pattern.DOTALL);

    private ZoneFileReader() {}

    /** A zone file that cannot be used: {@code line} is 0 when no line is to blame (missing file, no SOA). */
    static final class ZoneFileException extends Exception {
        private static final long serialVersionUID = 1L;
        final String file;
        final int line;

        ZoneFileException(String file, int line, String message) {
            super(message);
            this.file = file;
            this.line = line;
        }
    }

    /** The records of a zone by owner, then type, in file order; the apex SOA separately. */
    record ZoneRecords(Name origin, SOARecord soa, Map<Name, Map<Integer, List<Record>>> nodes) {
        long serial() {
            return soa.getSerial();
        }
    }

    static ZoneRecords read(Path file, Name origin) throws ZoneFileException {
        String fileName = file.toString();
        SOARecord soa = null;
        Map<Name, Map<Integer, Set<Record>>> nodes = new LinkedHashMap<>();
        try (Master master = new Master(fileName, origin)) {
            master.disableIncludes(true);
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                if (r.getDClass() != DClass.IN || !r.getName().subdomain(origin) || isDnssecOnly(r.getType())) {
                    continue;
                }
                if (r instanceof SOARecord s) {
                    if (soa == null && s.getName().equals(origin)) {
                        soa = s;
                    }
                    continue;
                }
                nodes.computeIfAbsent(r.getName(), n -> new LinkedHashMap<>())
                        .computeIfAbsent(r.getType(), t -> new LinkedHashSet<>()).add(r);
            }
        } catch (TextParseException e) {
            throw located(fileName, e);
        } catch (IOException e) {
            throw new ZoneFileException(fileName, 0, "failed to read file \"" + fileName + "\": " + e);
        } catch (RuntimeException e) {
            // dnsjava throws unchecked exceptions for some bad record data; never let them escape
            throw new ZoneFileException(fileName, 0, "failed to parse file \"" + fileName + "\": " + e.getMessage());
        }
        if (soa == null) {
            throw new ZoneFileException(fileName, 0, "file \"" + fileName + "\" has no SOA record for origin " + origin);
        }
        Map<Name, Map<Integer, List<Record>>> frozen = new LinkedHashMap<>();
        for (Map.Entry<Name, Map<Integer, Set<Record>>> node : nodes.entrySet()) {
            Map<Integer, List<Record>> types = new LinkedHashMap<>();
            node.getValue().forEach((type, rrs) -> types.put(type, List.copyOf(new ArrayList<>(rrs))));
            frozen.put(node.getKey(), types);
        }
        return new ZoneRecords(origin, soa, frozen);
    }

    private static ZoneFileException located(String fileName, TextParseException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Matcher m = LOCATED.matcher(message);
        if (m.matches()) {
            int line = Integer.parseInt(m.group(2));
            // dnsjava names the file without its directory; report the path that was read
            return new ZoneFileException(fileName, line, m.group(3));
        }
        return new ZoneFileException(fileName, 0, message);
    }

    private static boolean isDnssecOnly(int type) {
        return type == Type.RRSIG || type == Type.NSEC || type == Type.NSEC3 || type == Type.NSEC3PARAM;
    }
}
