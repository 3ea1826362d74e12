package io.nodedns.plugin.file;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Turns the record lists of a lookup result into an {@link Answer} (load time only). Owners that
 * are the query name become a pointer to the question; an owner written before in the body is
 * compressed to a pointer to it; record data is written uncompressed.
 */
final class AnswerBuilder {
    /** Pointers can reach 0x3FFF; leave room for the header and the longest question before the body. */
    private static final int MAX_POINTER_TARGET = 0x3FFF - 12 - 255 - 4;

    /** The highest offset a compression pointer can hold (RFC 1035 4.1.4). */
    static final int MAX_POINTER = 0x3FFF;

    private static final int[] NO_PATCHES = new int[0];

    private AnswerBuilder() {}

    /** A record in a reply; {@code ownerIsQname} writes its owner as the query name (wildcards, the name itself). */
    record Rr(Record record, boolean ownerIsQname) {
        static Rr of(Record record) {
            return new Rr(record, false);
        }

        static Rr atQname(Record record) {
            return new Rr(record, true);
        }
    }

    /**
     * The records of one reply before encoding. {@code mayFallThrough} marks CoreDNS's cases for
     * {@code fallthrough}: NXDOMAIN, and the empty NOERROR of an empty non-terminal (not NODATA).
     * {@code externalTarget}: the answer's CNAME chain leaves the zone there (looked up at query time).
     */
    record Sections(int rcode, boolean authoritative, boolean mayFallThrough, List<Rr> answer, List<Rr> authority,
            List<Rr> additional, Name externalTarget) {
        Sections(int rcode, boolean authoritative, boolean mayFallThrough, List<Rr> answer, List<Rr> authority,
                List<Rr> additional) {
            this(rcode, authoritative, mayFallThrough, answer, authority, additional, null);
        }
    }

    static Answer build(Sections s) {
        return build(s, true);
    }

    /** With {@code compress} false every owner is written in full: the body can go anywhere in a reply. */
    static Answer build(Sections s, boolean compress) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<Integer> patches = new ArrayList<>();
        Map<Name, Integer> written = new HashMap<>();
        for (List<Rr> section : List.of(s.answer(), s.authority(), s.additional())) {
            for (Rr rr : section) {
                writeRecord(body, patches, compress ? written : null, rr);
            }
        }
        int[] patchArray = patches.isEmpty() ? NO_PATCHES : new int[patches.size()];
        for (int i = 0; i < patchArray.length; i++) {
            patchArray[i] = patches.get(i);
        }
        return new Answer(s.rcode(), s.authoritative(), s.mayFallThrough(), s.answer().size(), s.authority().size(),
                s.additional().size(), body.toByteArray(), patchArray, s.externalTarget());
    }

    private static void writeRecord(ByteArrayOutputStream body, List<Integer> patches, Map<Name, Integer> written,
            Rr rr) {
        Record r = rr.record();
        if (rr.ownerIsQname()) {
            body.write(0xC0);
            body.write(12);
        } else {
            Integer at = written == null ? null : written.get(r.getName());
            if (at != null) {
                patches.add(body.size());
                body.write(0xC0 | (at >>> 8));
                body.write(at & 0xFF);
            } else {
                if (written != null && body.size() <= MAX_POINTER_TARGET) {
                    written.put(r.getName(), body.size());
                }
                body.writeBytes(r.getName().toWire());
            }
        }
        byte[] whole = r.toWire(Section.ANSWER);
        // type, class, TTL, rdlength and rdata follow the uncompressed owner in dnsjava's encoding
        int ownerLength = r.getName().length();
        body.write(whole, ownerLength, whole.length - ownerLength);
    }
}
