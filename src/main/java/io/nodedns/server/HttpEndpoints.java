package io.nodedns.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The process's HTTP listeners (health, ready, metrics, pprof), one {@link HttpListener} per
 * address, kept across reloads: a reload only swaps the path table of each address, binds
 * addresses that are new and closes those no longer used, so /health and /metrics never go dark
 * during a reload (a known CoreDNS problem with plugin/reload).
 */
public final class HttpEndpoints {
    /** Go's content type for text (CoreDNS's handlers and net/http's errors). */
    static final String TEXT = "text/plain; charset=utf-8";
    private final Map<String, HttpListener> endpoints = new HashMap<>();
    private final UnaryOperator<String> properties;
    /** Read by the first {@link #prepare}, which every start makes, HTTP routes or not. */
    private HttpListener.Limits limits;

    public HttpEndpoints() {
        this(System::getProperty);
    }

    /** With the -D settings read from {@code properties} (tests). */
    HttpEndpoints(UnaryOperator<String> properties) {
        this.properties = properties;
    }

    /**
     * Binds every address the routes need that is not bound yet; throws before changing anything
     * served. The first call (the start, even without HTTP routes) reads the -D limits: a bad
     * value stops the start with one line, and no later reload can meet it.
     */
    public synchronized void prepare(List<HttpRoute> routes) throws IOException {
        if (limits == null) {
            try {
                limits = HttpListener.Limits.read(properties);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        Map<String, HttpListener> opened = new HashMap<>();
        try {
            for (HttpRoute route : routes) {
                String key = normalize(route.address());
                if (!endpoints.containsKey(key) && !opened.containsKey(key)) {
                    try {
                        opened.put(key, new HttpListener(socketAddress(key), key, limits));
                    } catch (IOException e) {
                        throw new IOException("listen tcp " + key + ": " + e.getMessage()
                                + (route.origin() == null ? "" : " (" + route.origin() + ")"), e);
                    }
                }
            }
        } catch (IOException e) {
            opened.values().forEach(HttpListener::close);
            throw e;
        }
        opened.forEach((key, listener) -> {
            listener.start();
            endpoints.put(key, listener);
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
                entry.getValue().close();
                it.remove();
            } else {
                entry.getValue().routes = Map.copyOf(table);
            }
        }
    }

    /** The bound port of an address (useful with port 0), or -1. */
    public synchronized int port(String address) {
        HttpListener listener = endpoints.get(normalize(address));
        return listener == null ? -1 : listener.localPort();
    }

    public synchronized void close() {
        endpoints.values().forEach(HttpListener::close);
        endpoints.clear();
    }

    static String normalize(String address) {
        return address.trim();
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

    /** Writes a small text reply (Go's text/plain with charset, as CoreDNS's handlers send). */
    public static void reply(HttpExchange exchange, int status, String body) throws IOException {
        exchange.send(status, TEXT, body.getBytes(StandardCharsets.UTF_8));
    }
}
