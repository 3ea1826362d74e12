package io.nodedns.log;

import java.io.PrintStream;

/**
 * CoreDNS-style log lines: {@code [LEVEL] plugin/NAME: message}, no timestamp (the container
 * runtime adds one). Writes go to stdout like CoreDNS; one println per line keeps lines whole.
 */
public final class Log {
    private static volatile PrintStream out = System.out;
    private static volatile boolean debug;
    /** Configurations whose Corefile has the debug plugin: counted, since a reload starts the new one before stopping the old. */
    private static final java.util.concurrent.atomic.AtomicInteger debugHolders = new java.util.concurrent.atomic.AtomicInteger();

    private Log() {}

    public static void output(PrintStream stream) {
        out = stream;
    }

    public static void debug(boolean on) {
        debug = on;
    }

    /** The debug plugin's start: debug lines print while at least one holder remains. */
    public static void holdDebug() {
        debugHolders.incrementAndGet();
    }

    public static void releaseDebug() {
        debugHolders.decrementAndGet();
    }

    public static boolean debugOn() {
        return debug || debugHolders.get() > 0;
    }

    public static void info(String plugin, String message) {
        line("[INFO] ", plugin, message);
    }

    public static void warning(String plugin, String message) {
        line("[WARNING] ", plugin, message);
    }

    public static void error(String plugin, String message) {
        line("[ERROR] ", plugin, message);
    }

    public static void fatal(String plugin, String message) {
        line("[FATAL] ", plugin, message);
    }

    public static void debug(String plugin, String message) {
        if (debugOn()) {
            line("[DEBUG] ", plugin, message);
        }
    }

    /** The message followed by the throwable's Java stack, for one log call (lines of concurrent failures cannot interleave). */
    public static String withStack(String message, Throwable failure) {
        java.io.StringWriter trace = new java.io.StringWriter();
        failure.printStackTrace(new java.io.PrintWriter(trace));
        return message + System.lineSeparator() + trace.toString().stripTrailing();
    }

    /** A raw line (the log plugin's query lines carry their own prefix). */
    public static void raw(String line) {
        out.println(line);
    }

    private static void line(String level, String plugin, String message) {
        out.println(plugin == null || plugin.isEmpty() ? level + message : level + "plugin/" + plugin + ": " + message);
    }
}
