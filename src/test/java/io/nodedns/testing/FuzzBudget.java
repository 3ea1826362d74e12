package io.nodedns.testing;

/**
 * Bounds of a fuzzing campaign ({@code JAZZER_FUZZ=1}, see {@code bench/fuzz.sh}); regression runs
 * in a normal {@code mvn test} ignore them. A campaign stops at this many executions or at
 * {@code JAZZER_MAX_DURATION}, whichever comes first.
 */
public final class FuzzBudget {
    /** The acceptance bar of issue 9: ten million executions per target. */
    public static final long EXECUTIONS = 10_000_000L;

    private FuzzBudget() {}
}
