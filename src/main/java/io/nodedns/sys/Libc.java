package io.nodedns.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Downcall handles (FFM) to C library functions, for this package's system calls.
 *
 * <p>Linking is a start-up cost: the JDK generates and loads classes for each distinct function
 * descriptor (and linker options), which the AOT cache cannot keep; a second function of the same
 * descriptor reuses them (the linker caches by descriptor). Measured on this project's VM with the
 * AOT cache: 30-140 ms per new descriptor under load, under 1 ms for a shared one. So pointers are
 * passed as plain addresses ({@code long}, LP64), which also makes a call build no MemorySegment,
 * and the calls share the few descriptors below; what the first answer does not need is linked on
 * first use.
 */
final class Libc {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    /** {@code int f(int)}: epoll_create1, close. */
    static final FunctionDescriptor I_I = FunctionDescriptor.of(I, I);
    /** {@code int f(int, int)}: eventfd. */
    static final FunctionDescriptor I_II = FunctionDescriptor.of(I, I, I);
    /** {@code int f(int, int, int, void*)}: epoll_ctl. */
    static final FunctionDescriptor I_IIIP = FunctionDescriptor.of(I, I, I, I, L);
    /** {@code int f(int, void*, int)}: connect. */
    static final FunctionDescriptor I_IPI = FunctionDescriptor.of(I, I, L, I);
    /** {@code int f(int, void*, int, int)}: epoll_wait, sendmmsg. */
    static final FunctionDescriptor I_IPII = FunctionDescriptor.of(I, I, L, I, I);
    /** {@code int f(int, void*, int, int, void*)}: recvmmsg. */
    static final FunctionDescriptor I_IPIIP = FunctionDescriptor.of(I, I, L, I, I, L);
    /** {@code int f(int, int, int, void*, int)}: setsockopt. */
    static final FunctionDescriptor I_IIIPI = FunctionDescriptor.of(I, I, I, I, L, I);
    /** {@code int f(int, int, int, void*, void*)}: getsockopt. */
    static final FunctionDescriptor I_IIIPP = FunctionDescriptor.of(I, I, I, I, L, L);
    /** {@code ssize_t f(int, void*, size_t)}: read, write. */
    static final FunctionDescriptor L_IPL = FunctionDescriptor.of(L, I, L, L);
    /** {@code ssize_t f(int, void*, size_t, int)}: recv, send. */
    static final FunctionDescriptor L_IPLI = FunctionDescriptor.of(L, I, L, L, I);

    private Libc() {}

    /** A handle to libc's {@code name}; NoSuchElementException when libc has none, which callers report as unavailable. */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor, options);
    }

    /**
     * The calling thread's errno word ({@code __errno_location()}), read right after a call that
     * failed. Look it up before that call, not after: the first lookup links, which loads classes
     * and makes system calls that overwrite errno.
     *
     * <p>Why not {@code Linker.Option.captureCallState("errno")}: the JDK slices the capture segment
     * on every call ({@code asSlice}, a new MemorySegment), which only C2's escape analysis removes;
     * under C1 only (the image's {@code -XX:TieredStopAtLevel=1}) that was 57-74 B per forwarded
     * query, and its linker option costs a descriptor of its own. Between a call's return and the
     * read the thread runs only the downcall's return to Java and our code; only a safepoint that
     * stops it exactly there could overwrite errno (the JVM's own waiting may set it). Failed calls
     * are rare, so is that.
     */
    static MemorySegment errnoWord() {
        long word;
        try {
            word = (long) ErrnoLocation.HANDLE.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        return MemorySegment.ofAddress(word).reinterpret(4);
    }

    /** {@code int *__errno_location(void)}, linked at the first lookup: nothing before it needs errno. */
    private static final class ErrnoLocation {
        static final MethodHandle HANDLE = downcall("__errno_location", FunctionDescriptor.of(L));
    }
}
