package io.nodedns.log;

import java.io.PrintStream;

/**
 * CoreDNS-style log lines: {@code [LEVEL] plugin/NAME: message}, no timestamp (the container
 * runtime adds one). Writes go to stdout like CoreDNS; one println per line keeps lines whole.
 */
public final class Log {
    private static volatile PrintStream out = System.out;
    private static volatile boolean debug;

    private Log() {}

    public static void output(PrintStream stream) {
        out = stream;
    }

    public static void debug(boolean on) {
        debug = on;
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
        if (debug) {
            line("[DEBUG] ", plugin, message);
        }
    }

    /** A raw line (the log plugin's query lines carry their own prefix). */
    public static void raw(String line) {
        out.println(line);
    }

    private static void line(String level, String plugin, String message) {
        out.println(plugin == null || plugin.isEmpty() ? level + message : level + "plugin/" + plugin + ": " + message);
    }
}
