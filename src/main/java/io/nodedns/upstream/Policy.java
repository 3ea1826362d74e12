package io.nodedns.upstream;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The order in which one query tries the upstreams (CoreDNS plugin/forward/policy.go). The walk is lazy so the hot path
 * never builds a list: {@link #begin} once per query, then {@link #pick} for position k of a pass.
 * <ul>
 *   <li>random: a uniformly random permutation, drawn one position at a time among the upstreams
 *       not yet tried in this pass (identical in distribution to shuffling first); above 64
 *       upstreams draws are with replacement.</li>
 *   <li>round_robin: a shared counter c picks i = c mod N; the order is i, then the others in
 *       configured order (CoreDNS's ordering, not a rotation).</li>
 *   <li>sequential: configured order.</li>
 * </ul>
 */
public final class Policy {
    public static final int RANDOM = 0;
    public static final int ROUND_ROBIN = 1;
    public static final int SEQUENTIAL = 2;

    private final int kind;
    private final AtomicLong counter = new AtomicLong();

    private Policy(int kind) {
        this.kind = kind;
    }

    /** A fresh policy by its Corefile name, or null if the name is unknown. */
    public static Policy parse(String name) {
        return switch (name) {
            case "random" -> new Policy(RANDOM);
            case "round_robin" -> new Policy(ROUND_ROBIN);
            case "sequential" -> new Policy(SEQUENTIAL);
            default -> null;
        };
    }

    public static Policy random() {
        return new Policy(RANDOM);
    }

    public int kind() {
        return kind;
    }

    public String name() {
        return switch (kind) {
            case ROUND_ROBIN -> "round_robin";
            case SEQUENTIAL -> "sequential";
            default -> "random";
        };
    }

    /** Per-query start: the round-robin index; 0 for the other policies. */
    public int begin(int n) {
        if (kind != ROUND_ROBIN || n <= 1) {
            return 0;
        }
        return (int) Long.remainderUnsigned(counter.getAndIncrement(), n);
    }

    /**
     * The upstream index at position {@code k} (0-based) of a pass over {@code n} upstreams.
     *
     * @param tried bit i set if index i was already returned in this pass (random policy only)
     */
    public int pick(int k, int n, int begin, long tried) {
        switch (kind) {
            case SEQUENTIAL :
                return k;
            case ROUND_ROBIN :
                if (k == 0) {
                    return begin;
                }
                return k - 1 < begin ? k - 1 : k;
            default :
                return randomUntried(n, tried);
        }
    }

    /** A uniformly random index in [0, n), whatever the policy (used when every upstream is down). */
    public static int randomIndex(int n) {
        return n <= 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
    }

    private static int randomUntried(int n, long tried) {
        if (n <= 1) {
            return 0;
        }
        if (n > 64) {
            return ThreadLocalRandom.current().nextInt(n);
        }
        long mask = n == 64 ? -1L : (1L << n) - 1;
        long free = ~tried & mask;
        int left = Long.bitCount(free);
        if (left == 0) {
            return ThreadLocalRandom.current().nextInt(n);
        }
        int r = ThreadLocalRandom.current().nextInt(left);
        for (int i = 0; i < r; i++) {
            free &= free - 1; // drop the lowest free index r times
        }
        return Long.numberOfTrailingZeros(free);
    }

    /** The whole first-pass order for {@code n} upstreams (tests and diagnostics; allocates). */
    public int[] order(int n) {
        int[] out = new int[n];
        int begin = begin(n);
        long tried = 0;
        for (int k = 0; k < n; k++) {
            out[k] = pick(k, n, begin, tried);
            if (out[k] < 64) {
                tried |= 1L << out[k];
            }
        }
        return out;
    }
}
