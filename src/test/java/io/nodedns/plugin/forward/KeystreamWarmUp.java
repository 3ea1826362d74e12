package io.nodedns.plugin.forward;

/**
 * Brings forward's keystream refill to C2 before an allocation test measures a loop that forwards.
 *
 * <p>A refill comes once per ~1,400 forwarded queries, so the cipher's methods reach C2 only after
 * the tests' warm-up, and before a C2 compile HotSpot resolves the string constants of the method's
 * class on the thread that asked for it: 56-256 B of Strings on the loop thread in a measured window
 * (JFR: a 24-byte String at CounterMode.implCrypt), once per class and JVM, so a false failure of a
 * 0.01 B/query bound, never a cost per query. Refilling a spare keystream here, on the test's thread,
 * makes those compile requests (and their Strings) happen first, as a server that has forwarded for a
 * few minutes has. 20,000 refills (80 MB of keystream, a fraction of a second hot) is well past the
 * last one RandomBytes's class comment measured (at refill 5,503).
 */
public final class KeystreamWarmUp {
    private static final int REFILLS = 20_000;
    private static boolean done;

    private KeystreamWarmUp() {}

    /** Once per JVM: later calls return at once. */
    public static synchronized void toC2() {
        if (done) {
            return;
        }
        RandomBytes spare = new RandomBytes();
        for (int i = 0; i < REFILLS; i++) {
            spare.refill();
        }
        done = true;
    }
}
