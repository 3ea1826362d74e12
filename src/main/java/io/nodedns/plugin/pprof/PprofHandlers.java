package io.nodedns.plugin.pprof;

import io.nodedns.server.HttpEndpoints;
import io.nodedns.server.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * What the pprof plugin serves under {@code /debug/pprof/}: the JVM's answers to Go's profiles
 * (docs/plugins/pprof.md). Text comes from the DiagnosticCommand MBean, the jcmd commands an
 * operator would otherwise need a shell in the container for.
 */
final class PprofHandlers {
    static final String PREFIX = "/debug/pprof";
    private static final String INDEX = """
            <html><head><title>/debug/pprof/</title></head><body>
            <p>/debug/pprof/ (nodedns: JVM diagnostics)</p>
            <ul>
            <li><a href="goroutine?debug=2">goroutine</a>: stack of every platform thread, with locks held and deadlocks found (jcmd Thread.print -l)</li>
            <li><a href="heap">heap</a>: class histogram of the heap, instances and bytes per class (jcmd GC.class_histogram -all); heap?gc=1 counts live objects after a full GC</li>
            <li><a href="profile?seconds=%d">profile</a>: a JDK Flight Recorder recording of SECONDS seconds (default %d, at most %d; one at a time), read with jfr or JDK Mission Control</li>
            </ul></body></html>
            """
            .formatted(JfrProfile.DEFAULT_SECONDS, JfrProfile.DEFAULT_SECONDS, JfrProfile.MAX_SECONDS);

    private final long blockRate;

    PprofHandlers(long blockRate) {
        this.blockRate = blockRate;
    }

    /** {@code /debug/pprof} without the slash, as Go's ServeMux answers it. */
    void redirect(HttpExchange exchange) throws IOException {
        exchange.responseHeader("Location", PREFIX + "/");
        HttpEndpoints.reply(exchange, 301, "");
    }

    void index(HttpExchange exchange) throws IOException {
        exchange.send(200, "text/html; charset=utf-8", INDEX.getBytes(StandardCharsets.UTF_8));
    }

    /** Go's goroutine?debug=2: every stack as text (Go's default binary form has no JVM counterpart). */
    void threads(HttpExchange exchange) throws IOException {
        diagnostic(exchange, "threadPrint", "-l");
    }

    /** Go's heap?gc=N (N > 0) collects first; so does the histogram of live objects. Without it, no forced GC. */
    void heap(HttpExchange exchange) throws IOException {
        if (positive(parameter(exchange, "gc"))) {
            diagnostic(exchange, "gcClassHistogram");
        } else {
            diagnostic(exchange, "gcClassHistogram", "-all");
        }
    }

    void profile(HttpExchange exchange) throws IOException {
        String text = parameter(exchange, "seconds");
        int seconds = JfrProfile.DEFAULT_SECONDS;
        if (text != null) {
            try {
                seconds = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (seconds < 1 || seconds > JfrProfile.MAX_SECONDS) {
                HttpEndpoints.reply(exchange, 400,
                        "seconds must be an integer from 1 to " + JfrProfile.MAX_SECONDS + ", got '" + text + "'\n");
                return;
            }
        }
        JfrProfile.Result result;
        try {
            result = JfrProfile.record(seconds, blockRate);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            HttpEndpoints.reply(exchange, 503, "recording interrupted\n");
            return;
        }
        if (result.busy()) {
            HttpEndpoints.reply(exchange, 409, "a recording is already running; one at a time\n");
            return;
        }
        try (InputStream in = result.data()) {
            exchange.responseHeader("Content-Disposition", "attachment; filename=\"profile.jfr\"");
            try (OutputStream out = exchange.stream(200, "application/octet-stream")) {
                in.transferTo(out);
            }
        } finally {
            result.close();
        }
    }

    private static void diagnostic(HttpExchange exchange, String operation, String... args) throws IOException {
        String text;
        try {
            text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                    new Object[]{args}, new String[]{String[].class.getName()});
        } catch (JMException e) {
            HttpEndpoints.reply(exchange, 500, operation + " failed: " + e + "\n");
            return;
        }
        HttpEndpoints.reply(exchange, 200, text);
    }

    /** Go reads gc as an integer and collects when it is above 0. */
    private static boolean positive(String value) {
        try {
            return value != null && Integer.parseInt(value) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The first value of a query parameter, or null. */
    static String parameter(HttpExchange exchange, String name) {
        String query = exchange.rawQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
