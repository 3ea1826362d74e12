package io.nodedns.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Sets the calling thread's timer slack to 1 ns with {@code prctl(PR_SET_TIMERSLACK)}. Linux lets a
 * timed park overshoot by the slack (50 us by default), which at 20k qps (50 us between queries)
 * would make the open-loop sender late by a whole interval. Best effort: off Linux, or without
 * native access, the default slack stays and the send-lag histogram shows the cost.
 */
final class TimerSlack {
    private static final int PR_SET_TIMERSLACK = 29;
    private static final MethodHandle PRCTL = lookup();

    private TimerSlack() {}

    @SuppressWarnings("restricted") // the launchers pass --enable-native-access=ALL-UNNAMED
    private static MethodHandle lookup() {
        try {
            if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
                return null;
            }
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("prctl").map(addr -> linker.downcallHandle(addr,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1))).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Returns whether the slack was set. */
    static boolean setMinimal() {
        if (PRCTL == null) {
            return false;
        }
        try {
            return (int) PRCTL.invokeExact(PR_SET_TIMERSLACK, 1L) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
