package io.nodedns.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * glibc's {@code malloc_trim(0)}: hands free malloc pages back to the kernel. After a reload the
 * JIT's compiler arenas and the replaced configuration's native buffers are free but glibc keeps
 * their pages (measured: 7-16 MiB of RSS after 100 reloads). Absent from other C libraries (musl),
 * where {@link #trim()} does nothing.
 */
public final class NativeHeap {
    private static final MethodHandle MALLOC_TRIM = lookup();

    private NativeHeap() {}

    private static MethodHandle lookup() {
        try {
            return Libc.downcall("malloc_trim", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        } catch (RuntimeException | LinkageError e) {
            return null; // no such function, or native access not enabled: nothing to trim with
        }
    }

    /** Returns free malloc pages to the kernel; true if any were returned. */
    public static boolean trim() {
        if (MALLOC_TRIM == null) {
            return false;
        }
        try {
            return (int) MALLOC_TRIM.invokeExact(0L) != 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
