package io.nodedns.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The process's HTTP listeners (health, ready, metrics), kept across reloads: a reload only swaps
 * the path table of each address, binds addresses that are new and closes those no longer used,
 * so /health and /metrics never go dark during a reload (a known CoreDNS problem with plugin/reload).
 */
public final class HttpEndpoints {
    /**
     * The JDK server's limits (its documented system properties, read once per process when the
     * first server starts), each unless the operator set it ({@code -D} in NODEDNS_JAVA_OPTS). Its
     * defaults bound nothing an outside client controls: no connection limit, requests may take
     * for ever, and 384 KiB of headers per connection; 65 connections sending that much to
     * {@code /health} exhausted the image's heap (-Xmx128m) in 3 s, and the process exited
     * (ExitOnOutOfMemoryError). Per listener: at most 128 connections (each holds about 26 KiB of
     * buffers while a request is read; a new one past that is closed at accept), a request's
     * headers within 10 s of its first byte (or of the accept), and 8 KiB of headers (a scrape or
     * a kubelet probe sends well under 1 KiB). docs/operations.md, "HTTP listeners".
     */
    static final Map<String, String> LIMITS = Map.of("jdk.httpserver.maxConnections", "128",
            "sun.net.httpserver.maxReqTime", "10", "sun.net.httpserver.maxReqHeaderSize", "8192");

    static {
        LIMITS.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }

    private final Map<String, Endpoint> endpoints = new HashMap<>();

    private static final class Endpoint implements HttpHandler {
        final HttpServer server;
        volatile Map<String, HttpHandler> routes = Map.of();

        Endpoint(HttpServer server) {
            this.server = server;
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            HttpHandler handler = routes.get(exchange.getRequestURI().getPath());
            if (handler == null) {
                reply(exchange, 404, "404 page not found\n");
                return;
            }
            handler.handle(exchange);
        }
    }

    /** Binds every address the routes need that is not bound yet; throws before changing anything served. */
    public synchronized void prepare(List<HttpRoute> routes) throws IOException {
        Map<String, HttpServer> opened = new HashMap<>();
        try {
            for (HttpRoute route : routes) {
                String key = normalize(route.address());
                if (!endpoints.containsKey(key) && !opened.containsKey(key)) {
                    try {
                        opened.put(key, bind(key));
                    } catch (IOException e) {
                        throw new IOException("listen tcp " + key + ": " + e.getMessage()
                                + (route.origin() == null ? "" : " (" + route.origin() + ")"), e);
                    }
                }
            }
        } catch (IOException e) {
            opened.values().forEach(s -> s.stop(0));
            throw e;
        }
        opened.forEach((key, server) -> {
            Endpoint endpoint = new Endpoint(server);
            server.createContext("/", endpoint);
            server.start();
            endpoints.put(key, endpoint);
        });
    }

    /** Publishes exactly these routes and closes listeners no route uses any more. */
    public synchronized void apply(List<HttpRoute> routes) {
        Map<String, Map<String, HttpHandler>> byAddress = new LinkedHashMap<>();
        for (HttpRoute route : routes) {
            byAddress.computeIfAbsent(normalize(route.address()), k -> new HashMap<>()).putIfAbsent(route.path(),
                    route.handler());
        }
        for (var it = endpoints.entrySet().iterator(); it.hasNext();) {
            var entry = it.next();
            Map<String, HttpHandler> table = byAddress.get(entry.getKey());
            if (table == null) {
                entry.getValue().server.stop(0);
                it.remove();
            } else {
                entry.getValue().routes = Map.copyOf(table);
            }
        }
    }

    /** The bound port of an address (useful with port 0), or -1. */
    public synchronized int port(String address) {
        Endpoint endpoint = endpoints.get(normalize(address));
        return endpoint == null ? -1 : endpoint.server.getAddress().getPort();
    }

    public synchronized void close() {
        endpoints.values().forEach(e -> e.server.stop(0));
        endpoints.clear();
    }

    static String normalize(String address) {
        return address.trim();
    }

    private static HttpServer bind(String address) throws IOException {
        InetSocketAddress bindTo = socketAddress(address);
        HttpServer server = HttpServer.create();
        try {
            ReusePort.enable(server);
            server.bind(bindTo, 64);
        } catch (IOException | RuntimeException e) {
            server.stop(0); // create() started its timer threads and opened a selector: a failed bind must not keep them
            throw e;
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        return server;
    }

    /** The socket address of {@code host:port}, {@code [v6]:port} or {@code :port} (every address). */
    static InetSocketAddress socketAddress(String address) throws IOException {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IOException("address " + address + ": missing port");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IOException("address " + address + ": bad port");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** Writes a small text reply. */
    public static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        exchange.close();
    }
}
