package io.nodedns.plugin.hosts;

import io.nodedns.wire.Names;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One immutable snapshot of the hosts data in answer-ready form: open-addressing tables keyed by
 * the lower-cased wire name (and by the 16-byte address for PTR), each entry holding its answer
 * records as wire bytes whose owner is a pointer to the question (so replies keep the client's
 * letter case). Lookups read the request buffer in place and allocate nothing. Swapped whole on
 * reload, so a query never sees half a file.
 */
final class HostsTable {
    static final int TYPE_A = 1;
    static final int TYPE_AAAA = 28;
    static final int TYPE_PTR = 12;
    private static final int CLASS_IN = 1;

    /** The answer records of one owner name (or one address for PTR) for one type. */
    static final class Answers {
        final byte[] records;
        final int count;

        Answers(byte[] records, int count) {
            this.records = records;
            this.count = count;
        }
    }

    /** A name with its A and AAAA answers (either may be null). */
    static final class NameEntry {
        final UnsafeBuffer wire;
        final int length;
        final Answers a;
        final Answers aaaa;

        NameEntry(UnsafeBuffer wire, int length, Answers a, Answers aaaa) {
            this.wire = wire;
            this.length = length;
            this.a = a;
            this.aaaa = aaaa;
        }
    }

    private final NameTable exact;
    /** Wildcard owners keyed by their parent: "*.example.com." is stored under "example.com.". */
    private final NameTable wildcard;
    private final long[] ptrHigh;
    private final long[] ptrLow;
    private final Answers[] ptrAnswers;
    private final int ptrMask;
    private final int entries;

    private HostsTable(NameTable exact, NameTable wildcard, long[] ptrHigh, long[] ptrLow, Answers[] ptrAnswers, int entries) {
        this.exact = exact;
        this.wildcard = wildcard;
        this.ptrHigh = ptrHigh;
        this.ptrLow = ptrLow;
        this.ptrAnswers = ptrAnswers;
        this.ptrMask = ptrAnswers.length - 1;
        this.entries = entries;
    }

    static HostsTable build(HostsMap file, HostsMap inline, int ttl) {
        HostsMap merged = file.overriddenBy(inline);
        NameTable exact = NameTable.build(merged.name4, merged.name6, ttl, false);
        NameTable wildcard = NameTable.build(merged.wild4, merged.wild6, ttl, true);
        int capacity = NameTable.capacityFor(merged.addr.size());
        long[] high = new long[capacity];
        long[] low = new long[capacity];
        Answers[] answers = new Answers[capacity];
        for (Map.Entry<HostsMap.AddressKey, List<String>> e : merged.addr.entrySet()) {
            long h = e.getKey().high();
            long l = e.getKey().low();
            int i = addressHash(h, l) & (capacity - 1);
            while (answers[i] != null) {
                i = (i + 1) & (capacity - 1);
            }
            high[i] = h;
            low[i] = l;
            answers[i] = ptrAnswers(e.getValue(), ttl);
        }
        return new HostsTable(exact, wildcard, high, low, answers, file.size() + inline.size());
    }

    /** CoreDNS's coredns_hosts_entries: file and inline entries counted separately, overrides included. */
    int entries() {
        return entries;
    }

    /** The exact entry for the name at {@code off}, or null. */
    NameEntry exact(DirectBuffer b, int off, int len) {
        return exact.find(b, off, len);
    }

    /** The wildcard entry covering the name at {@code off} (one label below a "*." owner's parent), or null. */
    NameEntry wildcard(DirectBuffer b, int off, int len) {
        int parent = Names.parentOffset(b, off, off + len);
        return parent < 0 ? null : wildcard.find(b, parent, off + len - parent);
    }

    /** PTR answers for a reverse name (in-addr.arpa or ip6.arpa), or null. */
    Answers reverse(DirectBuffer b, int off, int len) {
        long high;
        long low;
        if (ReverseName.isV4(b, off, len)) {
            long v4 = ReverseName.v4(b, off, len);
            if (v4 < 0) {
                return null;
            }
            high = 0;
            low = 0xFFFF_0000_0000L | v4;
        } else if (ReverseName.isV6(b, off, len)) {
            high = ReverseName.v6Half(b, off, 16);
            low = ReverseName.v6Half(b, off, 0);
        } else {
            return null;
        }
        int i = addressHash(high, low) & ptrMask;
        Answers found;
        while ((found = ptrAnswers[i]) != null) {
            if (ptrHigh[i] == high && ptrLow[i] == low) {
                return found;
            }
            i = (i + 1) & ptrMask;
        }
        return null;
    }

    private static int addressHash(long high, long low) {
        long h = (high * 0x9E3779B97F4A7C15L) ^ low;
        h *= 0xC4CEB9FE1A85EC53L;
        return (int) (h ^ (h >>> 32));
    }

    /** Answer records for addresses of one family, owner = pointer to the question name. */
    static Answers addressAnswers(List<byte[]> ips, int ttl) {
        if (ips == null || ips.isEmpty()) {
            return null;
        }
        int rdLength = ips.getFirst().length;
        ByteBuffer out = ByteBuffer.allocate(ips.size() * (12 + rdLength));
        for (byte[] ip : ips) {
            header(out, rdLength == 4 ? TYPE_A : TYPE_AAAA, ttl, rdLength);
            out.put(ip);
        }
        return new Answers(out.array(), ips.size());
    }

    private static Answers ptrAnswers(List<String> names, int ttl) {
        List<byte[]> wires = new ArrayList<>();
        int total = 0;
        for (String name : names) {
            byte[] wire = NameTable.wire(name);
            wires.add(wire);
            total += 12 + wire.length;
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (byte[] wire : wires) {
            header(out, TYPE_PTR, ttl, wire.length);
            out.put(wire);
        }
        return new Answers(out.array(), names.size());
    }

    private static void header(ByteBuffer out, int type, int ttl, int rdLength) {
        out.putShort((short) 0xC00C);
        out.putShort((short) type);
        out.putShort((short) CLASS_IN);
        out.putInt(ttl);
        out.putShort((short) rdLength);
    }
}
