package io.nodedns.plugin.loadbalance;

import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.Records;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reorders the records of a reply in its wire form, CoreDNS's round_robin (plugin/loadbalance): each
 * section on its own, as CNAMEs, other types, shuffled A/AAAA, shuffled MX (a section of only
 * addresses is simply shuffled); then {@code prefer} moves addresses in preferred subnets first.
 *
 * <p>Compression: records keep their bytes, so a compression pointer into a record that moves
 * would point at the wrong bytes. Every pointer in the message's records (owner names and the
 * RDATA names of the types a compressor may touch, as in {@link Records#maxPointerTarget}) is
 * therefore rewritten to the new place of the byte it targeted. If any rewritten pointer would
 * point forward (decoders such as dnsjava reject that) or beyond 0x3FFF, the reply is left as it
 * was: correctness beats shuffling. The records are laid out in a scratch buffer and copied back,
 * so nothing is allocated per reply; one shuffler is used by one thread at a time.
 */
final class RecordShuffler {
    static final int MAX_RECORDS = 512;
    private static final int CATEGORY_CNAME = 0;
    private static final int CATEGORY_OTHER = 1;
    private static final int CATEGORY_ADDRESS = 2;
    private static final int CATEGORY_MX = 3;
    /** OPT and TSIG stay last in the additional section (TSIG must be last, RFC 8945). */
    private static final int CATEGORY_PINNED = 4;

    private final int[] start = new int[MAX_RECORDS];
    private final int[] ownerEnd = new int[MAX_RECORDS];
    private final int[] end = new int[MAX_RECORDS];
    private final int[] type = new int[MAX_RECORDS];
    private final int[] order = new int[MAX_RECORDS];
    private final int[] spare = new int[MAX_RECORDS];
    private final int[] newStart = new int[MAX_RECORDS];
    private UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
    /** An owner name expanded for the weight lookup. */
    private final UnsafeBuffer owner = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
    private long random;
    /** Set for the duration of one {@link #weighted} call: the table, and whether this reply's addresses get a top pick. */
    private WeightTable weights;
    private boolean pickTop;
    private int limit;

    RecordShuffler(long seed) {
        random = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    /** xorshift64: cheap, good enough to spread load, never allocates. */
    int nextInt(int bound) {
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return (int) ((x >>> 33) % bound);
    }

    /**
     * Shuffles the reply in {@code [0, length)} of {@code b} in place.
     *
     * @return true if records moved; false if nothing needed to (or could safely) change
     */
    boolean shuffle(MutableDirectBuffer b, int length, PreferredSubnets prefer) {
        if (length < DnsHeader.LENGTH) {
            return false;
        }
        limit = length;
        int answers = DnsHeader.ancount(b, 0);
        int authority = DnsHeader.nscount(b, 0);
        int additional = DnsHeader.arcount(b, 0);
        int n = answers + authority + additional;
        if (n < 2 || n > MAX_RECORDS) {
            return false;
        }
        int regionStart = Records.skipQuestions(b, 0, DnsHeader.LENGTH, length, DnsHeader.qdcount(b, 0));
        if (regionStart < 0 || !index(b, regionStart, length, n)) {
            return false;
        }
        // If the pointers of the full shuffle cannot be kept valid, the answer section alone
        // usually can (it is the one clients look at); failing that the reply stays as it was.
        // Only a failed relocation tries again: drawing again when the first draw kept the order
        // would bias the result against it.
        int result = attempt(b, regionStart, n, answers, authority, additional, prefer, true);
        if (result == RELOCATION_FAILED) {
            result = attempt(b, regionStart, n, answers, authority, additional, prefer, false);
        }
        return result == MOVED;
    }

    private static final int UNCHANGED = 0;
    private static final int MOVED = 1;
    private static final int RELOCATION_FAILED = 2;

    /**
     * CoreDNS's weighted policy: in the answer and additional sections, CNAMEs, other types,
     * addresses, MX, where one address chosen at random in proportion to its weight goes first and
     * nothing else is shuffled. With {@code pick} false (CoreDNS picks only for A, AAAA and SRV
     * questions) the records keep their order and only {@code prefer} applies.
     */
    boolean weighted(MutableDirectBuffer b, int length, WeightTable table, boolean pick, PreferredSubnets prefer) {
        weights = table;
        pickTop = pick;
        try {
            return shuffle(b, length, prefer);
        } finally {
            weights = null;
        }
    }

    private int attempt(MutableDirectBuffer b, int regionStart, int n, int answers, int authority, int additional,
            PreferredSubnets prefer, boolean allSections) {
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int moved = arrange(b, 0, answers, false, prefer);
        if (allSections) {
            moved |= (weights == null ? arrange(b, answers, authority, false, null) : 0)
                    | arrange(b, answers + authority, additional, true, prefer);
        }
        if (moved == 0) {
            return UNCHANGED;
        }
        int regionEnd = end[n - 1];
        int pos = regionStart;
        for (int i = 0; i < n; i++) {
            int k = order[i];
            newStart[k] = pos;
            pos += end[k] - start[k];
        }
        if (scratch.capacity() < regionEnd - regionStart) {
            scratch = new UnsafeBuffer(new byte[Math.max(regionEnd - regionStart, scratch.capacity() * 2)]);
        }
        for (int k = 0; k < n; k++) {
            scratch.putBytes(newStart[k] - regionStart, b, start[k], end[k] - start[k]);
        }
        for (int k = 0; k < n; k++) {
            if (!relocatePointers(k, regionStart, regionEnd, n)) {
                return RELOCATION_FAILED; // the reply in b is untouched
            }
        }
        b.putBytes(regionStart, scratch, 0, regionEnd - regionStart);
        return MOVED;
    }

    private boolean index(MutableDirectBuffer b, int regionStart, int limit, int n) {
        int pos = regionStart;
        for (int i = 0; i < n; i++) {
            int nameEnd = Names.skip(b, 0, pos, limit);
            if (nameEnd < 0) {
                return false;
            }
            int recordEnd = Records.recordEnd(b, nameEnd, limit);
            if (recordEnd < 0) {
                return false;
            }
            start[i] = pos;
            ownerEnd[i] = nameEnd;
            end[i] = recordEnd;
            type[i] = b.getShort(nameEnd + Records.TYPE_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
            pos = recordEnd;
        }
        return true;
    }

    /** Fills order[first, first + count) with the section's new order; returns 1 if it differs from the old. */
    private int arrange(MutableDirectBuffer b, int first, int count, boolean additional, PreferredSubnets prefer) {
        if (count < 2) {
            return 0;
        }
        if (weights != null && (!pickTop || !hasAddress(first, count))) {
            if (prefer != null && prefer.size() > 0) { // CoreDNS leaves such a section as it came
                preferSubnets(b, first, count, additional, prefer);
            }
            return changed(first, count);
        }
        int p = first;
        p = collect(p, first, count, CATEGORY_CNAME, additional);
        p = collect(p, first, count, CATEGORY_OTHER, additional);
        int addressStart = p;
        p = collect(p, first, count, CATEGORY_ADDRESS, additional);
        int mxStart = p;
        p = collect(p, first, count, CATEGORY_MX, additional);
        collect(p, first, count, CATEGORY_PINNED, additional);
        if (weights == null) {
            shuffle(addressStart, mxStart - addressStart);
            shuffle(mxStart, p - mxStart);
        } else {
            pickTop(b, addressStart, mxStart - addressStart);
        }
        if (prefer != null && prefer.size() > 0) {
            preferSubnets(b, first, count, additional, prefer);
        }
        return changed(first, count);
    }

    private int changed(int first, int count) {
        for (int i = first; i < first + count; i++) {
            if (order[i] != i) {
                return 1;
            }
        }
        return 0;
    }

    private boolean hasAddress(int first, int count) {
        for (int k = first; k < first + count; k++) {
            if (type[k] == Records.TYPE_A || type[k] == Records.TYPE_AAAA) {
                return true;
            }
        }
        return false;
    }

    /** Swaps an address drawn with probability weight / total weight into the first address place. */
    private void pickTop(MutableDirectBuffer b, int from, int count) {
        int total = 0;
        for (int i = from; i < from + count; i++) {
            int k = order[i];
            int nameLength = Names.expand(b, 0, start[k], limit, owner, 0);
            int domain = nameLength > 0 ? weights.domain(owner, 0, nameLength) : -1;
            int rdata = ownerEnd[k] + Records.FIXED_LENGTH;
            spare[i] = weights.weight(domain, b, rdata, end[k] - rdata);
            total += spare[i];
        }
        if (total == 0) {
            return;
        }
        int v = nextInt(total);
        for (int i = from; i < from + count; i++) {
            v -= spare[i];
            if (v < 0) {
                swap(from, i);
                return;
            }
        }
    }

    /** Appends the section's records of one category at order[p...] in their current order; returns the next p. */
    private int collect(int p, int first, int count, int category, boolean additional) {
        for (int k = first; k < first + count; k++) {
            if (category(type[k], additional) == category) {
                order[p++] = k;
            }
        }
        return p;
    }

    private static int category(int t, boolean additional) {
        return switch (t) {
            case Records.TYPE_CNAME -> CATEGORY_CNAME;
            case Records.TYPE_A, Records.TYPE_AAAA -> CATEGORY_ADDRESS;
            case Records.TYPE_MX -> CATEGORY_MX;
            case Records.TYPE_OPT, Records.TYPE_TSIG -> additional ? CATEGORY_PINNED : CATEGORY_OTHER;
            default -> CATEGORY_OTHER;
        };
    }

    /** CoreDNS's roundRobinShuffle: a coin flip for two, a random-swap pass for more. */
    private void shuffle(int from, int count) {
        if (count == 2) {
            if (nextInt(2) == 0) {
                swap(from, from + 1);
            }
        } else if (count > 2) {
            for (int j = 0; j < count; j++) {
                int p = j + nextInt(count - j);
                if (p != j) {
                    swap(from + j, from + p);
                }
            }
        }
    }

    private void swap(int i, int j) {
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }

    /**
     * CoreDNS's reorderPreferredSubnets over the shuffled order: CNAMEs, addresses in preferred
     * subnets (in the order of the subnets), other addresses, MX, then the other types.
     */
    private void preferSubnets(MutableDirectBuffer b, int first, int count, boolean additional,
            PreferredSubnets prefer) {
        int p = first;
        for (int i = first; i < first + count; i++) {
            if (category(type[order[i]], additional) == CATEGORY_CNAME) {
                spare[p++] = order[i];
            }
        }
        int addressStart = p;
        for (int s = 0; s < prefer.size(); s++) {
            for (int i = first; i < first + count; i++) {
                int k = order[i];
                if (category(type[k], additional) == CATEGORY_ADDRESS && !taken(k, addressStart, p)
                        && prefer.contains(s, b, ownerEnd[k] + Records.FIXED_LENGTH,
                                end[k] - ownerEnd[k] - Records.FIXED_LENGTH)) {
                    spare[p++] = k;
                }
            }
        }
        for (int i = first; i < first + count; i++) {
            int k = order[i];
            if (category(type[k], additional) == CATEGORY_ADDRESS && !taken(k, addressStart, p)) {
                spare[p++] = k;
            }
        }
        for (int category : PREFER_TAIL) {
            for (int i = first; i < first + count; i++) {
                if (category(type[order[i]], additional) == category) {
                    spare[p++] = order[i];
                }
            }
        }
        System.arraycopy(spare, first, order, first, count);
    }

    private static final int[] PREFER_TAIL = {CATEGORY_MX, CATEGORY_OTHER, CATEGORY_PINNED};

    private boolean taken(int k, int from, int to) {
        for (int i = from; i < to; i++) {
            if (spare[i] == k) {
                return true;
            }
        }
        return false;
    }

    /** Rewrites the pointers of record {@code k} (now in scratch) to where their targets moved. */
    private boolean relocatePointers(int k, int regionStart, int regionEnd, int n) {
        int base = newStart[k] - regionStart; // record k in scratch
        int recordLength = end[k] - start[k];
        int ownerLength = ownerEnd[k] - start[k];
        if (!relocateName(base, base + recordLength, regionStart, regionEnd, n)) {
            return false;
        }
        int rdata = base + ownerLength + Records.FIXED_LENGTH;
        int limit = base + recordLength;
        return switch (type[k]) {
            case Records.TYPE_NS, Records.TYPE_CNAME, Records.TYPE_MB, Records.TYPE_MG, Records.TYPE_MR,
                    Records.TYPE_PTR, Records.TYPE_DNAME ->
                relocateName(rdata, limit, regionStart, regionEnd, n);
            case Records.TYPE_MX, Records.TYPE_AFSDB, Records.TYPE_RT, Records.TYPE_KX ->
                relocateName(rdata + 2, limit, regionStart, regionEnd, n);
            case Records.TYPE_SRV -> relocateName(rdata + 6, limit, regionStart, regionEnd, n);
            case Records.TYPE_SOA, Records.TYPE_MINFO, Records.TYPE_RP -> {
                int second = nameEndInPlace(rdata, limit);
                yield second >= 0 && relocateName(rdata, limit, regionStart, regionEnd, n)
                        && relocateName(second, limit, regionStart, regionEnd, n);
            }
            default -> true;
        };
    }

    /** Walks one name in scratch from {@code at}; a pointer at its end gets its moved target, which must stay behind it. */
    private boolean relocateName(int at, int limit, int regionStart, int regionEnd, int n) {
        int p = at;
        while (p < limit) {
            int l = scratch.getByte(p) & 0xFF;
            if (l == 0) {
                return true;
            }
            if ((l & 0xC0) == 0xC0) {
                if (p + 1 >= limit) {
                    return false;
                }
                int target = ((l & 0x3F) << 8) | (scratch.getByte(p + 1) & 0xFF);
                int moved = movedOffset(target, regionStart, regionEnd, n);
                int pointerAt = regionStart + p;
                if (moved < 0 || moved >= pointerAt || moved > 0x3FFF) {
                    return false;
                }
                scratch.putShort(p, (short) (0xC000 | moved), java.nio.ByteOrder.BIG_ENDIAN);
                return true;
            }
            if ((l & 0xC0) != 0) {
                return false;
            }
            p += l + 1;
        }
        return false;
    }

    /** Where the byte at message offset {@code target} is after the move, or -1 if it is past the records. */
    private int movedOffset(int target, int regionStart, int regionEnd, int n) {
        if (target < regionStart) {
            return target; // header and question never move
        }
        if (target >= regionEnd) {
            return -1;
        }
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) { // last record starting at or before target
            int mid = (lo + hi + 1) >>> 1;
            if (start[mid] <= target) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return target - start[lo] + newStart[lo];
    }

    /** End of an uncompressed-or-pointer-terminated name in scratch, without following the pointer; -1 if malformed. */
    private int nameEndInPlace(int at, int limit) {
        int p = at;
        while (p < limit) {
            int l = scratch.getByte(p) & 0xFF;
            if (l == 0) {
                return p + 1;
            }
            if ((l & 0xC0) == 0xC0) {
                return p + 2 <= limit ? p + 2 : -1;
            }
            if ((l & 0xC0) != 0) {
                return -1;
            }
            p += l + 1;
        }
        return -1;
    }
}
