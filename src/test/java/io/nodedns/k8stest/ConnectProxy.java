package io.nodedns.k8stest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP CONNECT proxy on 127.0.0.1 for proxy-url tests: tunnels to the requested host:port,
 * answers 407 (then closes, as squid does) to a CONNECT without the expected Proxy-Authorization,
 * and records every CONNECT line with its Proxy-Authorization header.
 */
public final class ConnectProxy implements AutoCloseable {
    /** One CONNECT: its target and its Proxy-Authorization (null when absent). */
    public record Tunnel(String target, String authorization) {
    }

    private final ServerSocket server;
    private final String requiredAuthorization;
    private final List<Tunnel> tunnels = new CopyOnWriteArrayList<>();

    /** @param requiredAuthorization the exact Proxy-Authorization value required, or null for none */
    public ConnectProxy(String requiredAuthorization) throws IOException {
        this.requiredAuthorization = requiredAuthorization;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<Tunnel> tunnels() {
        return List.copyOf(tunnels);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            List<String> head = head(in);
            if (head.isEmpty() || !head.getFirst().startsWith("CONNECT ")) {
                reply(client, "HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\n");
                return;
            }
            String target = head.getFirst().split(" ")[1];
            String auth = null;
            for (String h : head) {
                if (h.regionMatches(true, 0, "Proxy-Authorization:", 0, 20)) {
                    auth = h.substring(20).strip();
                }
            }
            tunnels.add(new Tunnel(target, auth));
            if (requiredAuthorization != null && !requiredAuthorization.equals(auth)) {
                reply(client,
                        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"standin\"\r\n"
                                + "Connection: close\r\nContent-Length: 0\r\n\r\n");
                return;
            }
            int colon = target.lastIndexOf(':');
            try (Socket upstream = new Socket(target.substring(0, colon),
                    Integer.parseInt(target.substring(colon + 1)))) {
                reply(client, "HTTP/1.1 200 Connection established\r\n\r\n");
                Thread up = Thread.ofVirtual().start(() -> pump(in, upstream));
                pump(upstream.getInputStream(), client);
                up.join();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // a tunnel ends when either side closes
        }
    }

    private static void pump(InputStream from, Socket to) {
        try {
            OutputStream out = to.getOutputStream();
            from.transferTo(out);
            to.shutdownOutput();
        } catch (IOException e) {
            // closed
        }
    }

    private static void reply(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** The request line and headers, up to the blank line (read byte by byte: the tunnel's bytes follow). */
    private static List<String> head(InputStream in) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String l = line.toString(StandardCharsets.ISO_8859_1).stripTrailing();
                if (l.isEmpty()) {
                    return lines;
                }
                lines.add(l);
                line.reset();
            } else {
                line.write(b);
            }
        }
        return lines;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
