package io.nodedns.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.nodedns.server.UdpLoop;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import java.lang.reflect.Method;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Brings the loop path's classes to the state a server reaches once C2 has compiled its methods,
 * before an allocation test measures.
 *
 * <p>Before a C2 compile, HotSpot resolves every string constant of the compiled method's class into
 * a String on the thread that asked for the compile (CompileBroker::compile_method), once per class
 * and JVM. A class whose methods reach C2 late (a method inlined into its callers gets its own
 * compile request only after a caller is deoptimized, and thresholds rise with the compile queue on
 * a loaded machine) puts those Strings on the loop thread in a measured window: 48-400 B, with JFR
 * samples of a 24-byte String at lines that allocate nothing ({@code NativeUpstreamIo.receive},
 * {@code EpollPoller.poll} calling {@code Epoll.await}) the moment those methods were queued for
 * C2. A server that has run a few minutes has paid this once; resolving the constants of every
 * initialized class of ours and Agrona's here, on the test's thread, gives the windows that state.
 * (It also pre-resolves a literal a cold path would resolve on its first run, once per JVM too;
 * anything else that path allocates still counts.)
 * C1 alone (the image's {@code -XX:TieredStopAtLevel=1}) resolves nothing at compile time, so
 * there is nothing to do; JDK classes on the path (forward's cipher) are warmed where they are used
 * ({@code KeystreamWarmUp}).
 */
final class StringConstants {
    private StringConstants() {}

    /** Where C2 compiles: every call (a test may have initialized more classes since the last). */
    static void resolveForC2() throws IOException {
        if (!c2()) {
            return;
        }
        List<String> names = new ArrayList<>();
        classNames(UdpLoop.class, "io/nodedns/", names);
        classNames(UnsafeBuffer.class, "org/agrona/", names);
        try {
            resolve(names);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the test JVM needs --add-exports java.base/jdk.internal.access and "
                    + "java.base/jdk.internal.reflect (surefire's argLine)", e);
        }
    }

    /**
     * Through jdk.internal's ConstantPool, by reflection: javac needs no export for it, the test JVM
     * exports the packages (pom.xml, surefire's argLine).
     */
    private static void resolve(List<String> names) throws ReflectiveOperationException {
        Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
        Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
        Method uninitialized = unsafeClass.getMethod("shouldBeInitialized", Class.class);
        Object access = Class.forName("jdk.internal.access.SharedSecrets").getMethod("getJavaLangAccess").invoke(null);
        Method poolOf = Class.forName("jdk.internal.access.JavaLangAccess").getMethod("getConstantPool", Class.class);
        Class<?> poolClass = Class.forName("jdk.internal.reflect.ConstantPool");
        Method size = poolClass.getMethod("getSize");
        Method tag = poolClass.getMethod("getTagAt", int.class);
        Method string = poolClass.getMethod("getStringAt", int.class);
        for (String name : names) {
            Class<?> c = loaded(name);
            // only classes the run has initialized (so linked): those the loop can have used
            if (c == null || (boolean) uninitialized.invoke(unsafe, c)) {
                continue;
            }
            Object pool = poolOf.invoke(access, c);
            int n = (int) size.invoke(pool);
            for (int i = 1; i < n; i++) {
                if ("STRING".equals(String.valueOf(tag.invoke(pool, i)))) {
                    string.invoke(pool, i);
                }
            }
        }
    }

    /** Whether this JVM compiles with C2 (tiered to level 4, or C2 alone). */
    private static boolean c2() {
        var vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return !Boolean.parseBoolean(vm.getVMOption("TieredCompilation").getValue())
                || Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) >= 4;
    }

    private static Class<?> loaded(String name) {
        try {
            return Class.forName(name, false, StringConstants.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null; // a class whose optional dependency is absent: the loop never ran it
        }
    }

    /** The names of the classes under {@code prefix} where {@code anchor} was loaded from (a directory or a jar). */
    private static void classNames(Class<?> anchor, String prefix, List<String> out) throws IOException {
        Path where;
        try {
            where = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        List<String> files = new ArrayList<>();
        if (Files.isDirectory(where)) {
            try (Stream<Path> all = Files.walk(where)) {
                all.forEach(p -> files.add(where.relativize(p).toString().replace('\\', '/')));
            }
        } else {
            try (ZipFile jar = new ZipFile(where.toFile())) {
                jar.stream().forEach(e -> files.add(e.getName()));
            }
        }
        for (String f : files) {
            if (f.startsWith(prefix) && f.endsWith(".class") && !f.endsWith("module-info.class")) {
                out.add(f.substring(0, f.length() - ".class".length()).replace('/', '.'));
            }
        }
    }
}
