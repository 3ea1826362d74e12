package io.nodedns.plugin.file;

import io.nodedns.data.ChunkedBytes;
import io.nodedns.data.DataBudget;
import io.nodedns.data.NameIndex;
import io.nodedns.wire.Names;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The names and records of one zone, packed into a {@link ChunkedBytes} instead of one dnsjava
 * object per record (about 40 bytes for an A record instead of about 700). Names are stored
 * relative to the origin (the zone's own suffix is implied), so the index probes the query name
 * minus the origin.
 *
 * <pre>
 * entry at E:  [name length 1][name, wire labels without the origin][flags 1][first record 4]
 * record at R: [next record 4][type 2][ttl 4][rdlength 2][rdata, uncompressed as in the file]
 * </pre>
 * A name's records form a chain in file order; -1 ends it. An entry is found by its position E,
 * which is also what {@link ZoneSnapshot#resolve} returns. Built by {@link ZoneFileReader} on one
 * thread, then only read.
 */
final class ZoneStore {
    static final int HAS_CHILDREN = 1;
    /** Owns no record: an empty non-terminal. */
    static final int EMPTY = 2;
    /** Answers need more than this name's own records (apex, CNAME, NS, MX, SRV, SVCB, HTTPS): precomputed. */
    static final int COMPLEX = 4;
    /** NS below the apex: a zone cut. */
    static final int CUT = 8;
    static final int NO_RECORD = -1;
    /** Entry positions leave three bits for the kind in {@link ZoneSnapshot}'s result codes. */
    static final int MAX_BYTES = NameIndex.MAX_BYTES;

    final Name origin;
    final int originLength;
    final DataBudget budget;
    final ChunkedBytes data;
    final NameIndex index;
    /** Parent entry position -> position of its "*" child. */
    final Int2IntHashMap wildcards = new Int2IntHashMap(-1);
    final int apex;
    /** Every type some name of the zone owns, in first-seen order (CNAME replies are precomputed per type). */
    final List<Integer> zoneTypes = new ArrayList<>();
    private boolean[] seenType = new boolean[65536];
    /** Entry positions while building (dropped by {@link #finish}). */
    private IntArrayList entries = new IntArrayList();
    /** Positions of the entries flagged {@link #COMPLEX}, the apex first (set by {@link #finish}). */
    private IntArrayList complexEntries;
    private long records;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);

    ZoneStore(Name origin, DataBudget budget) {
        this.origin = origin;
        this.originLength = origin.toWire().length;
        this.budget = budget;
        this.data = new ChunkedBytes(budget, MAX_BYTES);
        this.index = new NameIndex(data, budget);
        this.apex = addEntry(scratch, 0, Names.hashLowerCase(scratch, 0, 0));
        setFlags(apex, COMPLEX);
    }

    long records() {
        return records;
    }

    int nameLength(int e) {
        return data.getByte(e);
    }

    int flags(int e) {
        return data.getByte(e + 1 + nameLength(e));
    }

    private void setFlags(int e, int flags) {
        data.putByte(e + 1 + nameLength(e), flags(e) | flags);
    }

    int firstRecord(int e) {
        return data.getInt(e + 2 + nameLength(e));
    }

    static int next(ChunkedBytes data, int r) {
        return data.getInt(r);
    }

    int type(int r) {
        return data.getShort(r + 4);
    }

    long ttl(int r) {
        return data.getInt(r + 6) & 0xFFFF_FFFFL;
    }

    int rdLength(int r) {
        return data.getShort(r + 10);
    }

    /** The first record of {@code type} at entry {@code e}, or {@link #NO_RECORD}. */
    int first(int e, int type) {
        for (int r = firstRecord(e); r != NO_RECORD; r = data.getInt(r)) {
            if (data.getShort(r + 4) == type) {
                return r;
            }
        }
        return NO_RECORD;
    }

    /** The entry for the relative name {@code b[off, off + length)}, or -1. */
    int find(DirectBuffer b, int off, int length) {
        return index.find(b, off, length);
    }

    /** Adds one record read from the file (owner inside the origin, class IN, not the apex SOA). */
    void add(Record r) throws IOException {
        byte[] owner = r.getName().toWire();
        int relative = owner.length - originLength;
        UnsafeBuffer ownerBuffer = new UnsafeBuffer(owner);
        int hash = Names.hashLowerCase(ownerBuffer, 0, relative);
        int e = index.find(ownerBuffer, 0, relative, hash);
        if (e < 0) {
            e = addEntry(ownerBuffer, relative, hash);
        }
        int type = r.getType();
        byte[] whole = r.toWire(Section.ANSWER);
        int rdStart = owner.length + 10;
        int rdLength = whole.length - rdStart;
        int last = NO_RECORD;
        for (int x = firstRecord(e); x != NO_RECORD; x = data.getInt(x)) {
            if (type(x) == type && rdLength(x) == rdLength && sameData(e, x, r, whole, rdStart)) {
                return; // RFC 2181 5: an RRset holds each record once
            }
            last = x;
        }
        int at = data.reserve(12 + rdLength);
        data.putInt(at, NO_RECORD);
        data.putShort(at + 4, type);
        data.putInt(at + 6, (int) r.getTTL());
        data.putShort(at + 10, rdLength);
        data.putBytes(at + 12, whole, rdStart, rdLength);
        if (last == NO_RECORD) {
            data.putInt(e + 2 + nameLength(e), at);
        } else {
            data.putInt(last, at);
        }
        records++;
        if (!seenType[type]) {
            seenType[type] = true;
            zoneTypes.add(type);
        }
        switch (type) {
            case Type.CNAME, Type.MX, Type.SRV, Type.SVCB, Type.HTTPS -> setFlags(e, COMPLEX);
            case Type.NS -> setFlags(e, e == apex ? COMPLEX : COMPLEX | CUT);
            default -> {
            }
        }
    }

    /** Equal rdata as dnsjava's Record.equals sees it: names inside compare without case. */
    private boolean sameData(int e, int x, Record r, byte[] whole, int rdStart) {
        int n = rdLength(x);
        boolean bytesEqual = true;
        for (int i = 0; i < n && bytesEqual; i++) {
            bytesEqual = data.getByte(x + 12 + i) == (whole[rdStart + i] & 0xFF);
        }
        if (bytesEqual) {
            return true;
        }
        if (r.getType() == Type.A || r.getType() == Type.AAAA || r.getType() == Type.TXT) {
            return false;
        }
        return Arrays.equals(record(e, x).rdataToWireCanonical(), r.rdataToWireCanonical());
    }

    private int addEntry(DirectBuffer name, int length, int hash) {
        int at = data.reserve(length + 6);
        data.putByte(at, length);
        data.putBytes(at + 1, name, 0, length);
        data.putByte(at + 1 + length, 0);
        data.putInt(at + 2 + length, NO_RECORD);
        index.add(at, hash);
        entries.addInt(at);
        return at;
    }

    /**
     * After the last record: every name between an owner and the apex exists (as an empty
     * non-terminal if it owns nothing), wildcards are linked to their parents, and the store and
     * index are cut to what they hold.
     */
    void finish() {
        for (int i = 0; i < entries.size(); i++) {
            int e = entries.getInt(i);
            if (firstRecord(e) == NO_RECORD && e != apex) {
                setFlags(e, EMPTY);
            }
            markAncestors(e);
        }
        for (int i = 0; i < entries.size(); i++) {
            int e = entries.getInt(i);
            int length = nameLength(e);
            if (length > 0 && data.getByte(e + 1) == 1 && data.getByte(e + 2) == '*') {
                wildcards.put(parentOf(e), e);
            }
        }
        complexEntries = new IntArrayList();
        for (int i = 0; i < entries.size(); i++) {
            int e = entries.getInt(i);
            if ((flags(e) & COMPLEX) != 0) {
                complexEntries.addInt(e); // the apex is entry 0, so it comes first
            }
        }
        entries = null;
        seenType = null; // 64 KiB a loaded zone does not need
        data.trim();
        index.trim();
    }

    private void markAncestors(int e) {
        int child = e;
        while (child != apex) {
            int parent = parentOf(child);
            if (parent < 0) {
                int length = nameLength(child);
                int label = data.getByte(child + 1);
                int parentLength = length - label - 1;
                data.chunk(child).getBytes(ChunkedBytes.offset(child) + 2 + label, scratch, 0, parentLength);
                parent = addEntry(scratch, parentLength, Names.hashLowerCase(scratch, 0, parentLength));
                setFlags(parent, EMPTY);
            }
            if ((flags(parent) & HAS_CHILDREN) != 0) {
                return; // its own ancestors are marked already
            }
            setFlags(parent, HAS_CHILDREN);
            child = parent;
        }
    }

    /** The entry one label up from {@code e} (the apex for a name one label below it), or -1 if absent. */
    int parentOf(int e) {
        int length = nameLength(e);
        int label = data.getByte(e + 1);
        UnsafeBuffer chunk = data.chunk(e);
        int off = ChunkedBytes.offset(e) + 2 + label;
        return index.find(chunk, off, length - label - 1);
    }

    /** The absolute name of entry {@code e} (load time only). */
    Name name(int e) {
        int length = nameLength(e);
        byte[] origin = this.origin.toWire();
        byte[] wire = new byte[length + origin.length];
        data.chunk(e).getBytes(ChunkedBytes.offset(e) + 1, wire, 0, length);
        System.arraycopy(origin, 0, wire, length, origin.length);
        try {
            return new Name(wire);
        } catch (IOException ex) {
            throw new IllegalStateException("stored name is not wire form", ex);
        }
    }

    /** Record {@code r} of entry {@code e} as a dnsjava record (load time only). */
    Record record(int e, int r) {
        return Record.newRecord(name(e), type(r), DClass.IN, ttl(r), data.bytes(r + 12, rdLength(r)));
    }

    /** The records of {@code type} at entry {@code e}, in file order, or null if it has none (load time only). */
    List<Record> rrset(int e, int type) {
        List<Record> out = null;
        for (int r = firstRecord(e); r != NO_RECORD; r = data.getInt(r)) {
            if (type(r) == type) {
                if (out == null) {
                    out = new ArrayList<>();
                }
                out.add(record(e, r));
            }
        }
        return out;
    }

    /** The types entry {@code e} owns, in first-seen order (load time only). */
    List<Integer> types(int e) {
        List<Integer> out = new ArrayList<>();
        for (int r = firstRecord(e); r != NO_RECORD; r = data.getInt(r)) {
            if (!out.contains(type(r))) {
                out.add(type(r));
            }
        }
        return out;
    }

    /** The entry named {@code name} (absolute), or -1 (load time only). */
    int entry(Name name) {
        if (!name.subdomain(origin)) {
            return -1;
        }
        byte[] wire = name.toWire();
        return index.find(new UnsafeBuffer(wire), 0, wire.length - originLength);
    }

    IntArrayList complexEntries() {
        return complexEntries;
    }

    long retainedBytes() {
        return data.retainedBytes() + index.retainedBytes() + 16L * wildcards.capacity();
    }
}
