package io.nodedns.plugin.file;

import io.nodedns.config.FileContentException;
import io.nodedns.config.TextInput;
import io.nodedns.data.DataBudget;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
 * Reads an RFC 1035 master file with dnsjava into the packed {@link ZoneStore} of one zone (load
 * time only), one record at a time, so only the packed form is held, never the file's text or a
 * dnsjava object per record. {@code $ORIGIN}, {@code $TTL} and {@code $GENERATE} work;
 * {@code $INCLUDE} is refused, so a zone file can never pull in other files. DNSSEC records
 * (RRSIG, NSEC, NSEC3, NSEC3PARAM) are skipped: nodedns does not serve DNSSEC. Records outside the
 * origin and of classes other than IN are skipped. A file that is not UTF-8 text fails at its line.
 */
final class ZoneFileReader {
    /** dnsjava's parse errors read "FILE:LINE: message". */
    private static final Pattern LOCATED = Pattern.compile("^(.*):(\\d+): (.*)$", Pattern.DOTALL);
    /** Zone files are read up to this size (docs/plugins/file.md); the data budget usually ends a load first. */
    static final long MAX_FILE_BYTES = 1L << 30;

    private ZoneFileReader() {}

    /** The records of a zone, packed; the apex SOA separately. */
    record ZoneRecords(Name origin, SOARecord soa, ZoneStore store) {
        long serial() {
            return soa.getSerial();
        }
    }

    static ZoneRecords read(Path file, Name origin) throws FileContentException {
        return read(file, origin, -1, DataBudget.forFile());
    }

    /**
     * Reads the zone; with {@code unlessSerial >= 0}, stops at the apex SOA and returns null when
     * its serial is that one (CoreDNS's reload does the same), so an unchanged zone is not rebuilt.
     */
    static ZoneRecords read(Path file, Name origin, long unlessSerial, DataBudget budget) throws FileContentException {
        String fileName = file.toString();
        SOARecord soa = null;
        ZoneStore store = new ZoneStore(origin, budget);
        TextInput text = null;
        try (InputStream raw = Files.newInputStream(file)) {
            text = new TextInput(raw, fileName, MAX_FILE_BYTES, true);
            try (Master master = new Master(new BufferedInputStream(text, 1 << 16), origin)) {
                master.disableIncludes(true);
                for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                    if (r.getDClass() != DClass.IN || !r.getName().subdomain(origin) || isDnssecOnly(r.getType())) {
                        continue;
                    }
                    if (r instanceof SOARecord s) {
                        if (soa == null && s.getName().equals(origin)) {
                            soa = s;
                            if (unlessSerial >= 0 && s.getSerial() == unlessSerial) {
                                return null;
                            }
                        }
                        continue;
                    }
                    store.add(r);
                }
            }
        } catch (TextInput.NotTextException e) {
            throw e; // already names the file and line
        } catch (TextParseException e) {
            throw located(fileName, e);
        } catch (NoSuchFileException e) {
            throw new FileContentException(fileName, 0, "failed to read file \"" + fileName + "\": no such file");
        } catch (IOException e) {
            throw new FileContentException(fileName, 0, "failed to read file \"" + fileName + "\": " + e);
        } catch (DataBudget.DataLimitException e) {
            throw new FileContentException(fileName, text == null ? 0 : text.line(),
                    "zone file \"" + fileName + "\" is too large: "
                            + store.records() + " records read, " + e.getMessage());
        } catch (RuntimeException e) {
            // dnsjava throws unchecked exceptions for some bad record data; never let them escape
            throw new FileContentException(fileName, 0, "failed to parse file \"" + fileName + "\": " + e.getMessage());
        }
        if (soa == null) {
            throw new FileContentException(fileName, 0,
                    "file \"" + fileName + "\" has no SOA record for origin " + origin);
        }
        try {
            store.finish();
        } catch (DataBudget.DataLimitException e) {
            throw new FileContentException(fileName, 0,
                    "zone file \"" + fileName + "\" is too large: " + e.getMessage());
        }
        return new ZoneRecords(origin, soa, store);
    }

    private static FileContentException located(String fileName, TextParseException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Matcher m = LOCATED.matcher(message);
        if (m.matches()) {
            int line = Integer.parseInt(m.group(2));
            // dnsjava names no file for a stream; report the path that was read
            return new FileContentException(fileName, line, m.group(3));
        }
        return new FileContentException(fileName, 0, message);
    }

    private static boolean isDnssecOnly(int type) {
        return type == Type.RRSIG || type == Type.NSEC || type == Type.NSEC3 || type == Type.NSEC3PARAM;
    }
}
