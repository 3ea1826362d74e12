package io.nodedns.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;

/**
 * What one class of this package links when it initialises: its libc functions (and a JDK method),
 * in order, until one cannot be had. From then on every handle is null and
 * {@link #unavailableReason} says why; the class reports that reason, and its callers take the NIO
 * path instead. The handles are kept in static finals (constants the JIT folds into each call),
 * declared after the {@code Linkage} they come from.
 */
final class Linkage {
    private String unavailable;

    /** @param unavailable why the class cannot be used before linking anything (a class it needs is unavailable), or null */
    Linkage(String unavailable) {
        this.unavailable = unavailable;
    }

    /** libc's {@code name}, or null once anything failed. */
    MethodHandle link(String name, FunctionDescriptor descriptor) {
        if (unavailable != null) {
            return null;
        }
        try {
            return Libc.downcall(name, descriptor);
        } catch (Throwable t) {
            unavailable = t.toString();
            return null;
        }
    }

    /** The public method {@code name} of the JDK class {@code className} (a non-exported one needs --add-exports), or null once anything failed. */
    Method method(String className, String name) {
        if (unavailable != null) {
            return null;
        }
        try {
            return Class.forName(className).getMethod(name);
        } catch (Throwable t) {
            unavailable = t.toString();
            return null;
        }
    }

    /** Null when everything linked, else why not. */
    String unavailableReason() {
        return unavailable;
    }
}
