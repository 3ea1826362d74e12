package io.nodedns.k8stest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on 127.0.0.1 in front of the stand-in that can lose its connections silently, like a
 * NAT or firewall dropping state: {@link #silence()} makes every open connection swallow bytes in
 * both directions without FIN or RST; connections made afterwards work normally.
 */
public final class TcpRelay implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    private static final class Link {
        volatile boolean silent;
        Socket client;
        Socket upstream;
    }

    public TcpRelay(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Every connection open now goes silent (a blackhole); returns how many. */
    public int silence() {
        int n = 0;
        for (Link l : links) {
            l.silent = true;
            n++;
        }
        return n;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                Link l = new Link();
                l.client = c;
                l.upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                links.add(l);
                Thread.ofVirtual().start(() -> pump(l, l.client, l.upstream));
                Thread.ofVirtual().start(() -> pump(l, l.upstream, l.client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Link l, Socket from, Socket to) {
        byte[] buf = new byte[16384];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!l.silent) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
            if (!l.silent) {
                to.shutdownOutput();
            }
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Link l : links) {
            l.client.close();
            l.upstream.close();
        }
    }
}
