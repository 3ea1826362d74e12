package io.nodedns.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/** Downcall handles (FFM) to C library functions, for this package's system calls. */
final class Libc {
    private Libc() {}

    /** A handle to libc's {@code name}; NoSuchElementException when libc has none, which callers report as unavailable. */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor, options);
    }
}
