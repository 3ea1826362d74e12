package io.nodedns.server;

import com.sun.net.httpserver.HttpServer;
import io.nodedns.log.Log;
import java.lang.reflect.Field;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/**
 * SO_REUSEPORT for the JDK HTTP server, so two nodedns processes (HA pairs, surge rollouts) can
 * hold the same health, ready and metrics ports. The JDK offers no socket options on
 * {@link HttpServer}; its listening channel is reached by reflection before bind, which needs
 * {@code --add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED} (set by the launcher, the jar
 * manifest and the test runner). Without it the server binds without the option and says so once.
 */
final class ReusePort {
    private static volatile boolean warned;

    private ReusePort() {}

    /** Sets SO_REUSEPORT on an unbound server; true if it worked. */
    static boolean enable(HttpServer server) {
        try {
            Field inner = server.getClass().getDeclaredField("server");
            inner.setAccessible(true);
            Object impl = inner.get(server);
            Field channel = impl.getClass().getDeclaredField("schan");
            channel.setAccessible(true);
            ServerSocketChannel schan = (ServerSocketChannel) channel.get(impl);
            schan.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | java.io.IOException e) {
            if (!warned) {
                warned = true;
                Log.warning("", "HTTP listeners bind without SO_REUSEPORT (" + e.getClass().getSimpleName()
                        + "; run with --add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED)");
            }
            return false;
        }
    }
}
