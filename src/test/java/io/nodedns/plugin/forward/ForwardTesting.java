package io.nodedns.plugin.forward;

import io.nodedns.config.ConfigException;
import io.nodedns.server.Handler;
import io.nodedns.server.Instance;
import io.nodedns.server.PluginRegistry;
import io.nodedns.server.ServerConfig;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Message;

/** Shared helpers for the forward tests: servers with forward registered, clients with chosen timeouts. */
final class ForwardTesting {
    private ForwardTesting() {}

    static PluginRegistry registry() {
        return TestServer.registry().register("forward", new ForwardSetup());
    }

    /** A running server on a free port; "PORT" in the Corefile text is replaced by it. */
    static Running start(String corefile) throws Exception {
        int port = FreePorts.udpAndTcp();
        TestServer s = TestServer.fromText(corefile.replace("PORT", Integer.toString(port)), registry());
        return new Running(s, port);
    }

    record Running(TestServer server, int port) implements AutoCloseable {
        /** The forward handlers of the first block, in chain order. */
        List<ForwardHandler> forwards() {
            return forwardsOf(server.server().current().configs().getFirst());
        }

        ForwardHandler forward() {
            return forwards().getFirst();
        }

        Message udp(Message q) throws IOException {
            return ForwardTesting.udp(port, q, 3000);
        }

        Message udp(Message q, int timeoutMillis) throws IOException {
            return ForwardTesting.udp(port, q, timeoutMillis);
        }

        Message tcp(Message q) throws IOException {
            return ForwardTesting.tcp(port, q, 3000);
        }

        @Override
        public void close() {
            server.close();
        }
    }

    static List<ForwardHandler> forwardsOf(ServerConfig config) {
        List<ForwardHandler> out = new ArrayList<>();
        for (Handler h : config.handlers()) {
            if (h instanceof ForwardHandler f) {
                out.add(f);
            }
        }
        return out;
    }

    /** Sets up (binds nothing) a Corefile and returns its instance. */
    static Instance build(String corefile) throws ConfigException {
        return SetupErrors.build(corefile, registry());
    }

    /** UDP query on a fresh socket; null on timeout. Loopback only. */
    static Message udp(int port, Message q, int timeoutMillis) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(timeoutMillis);
            byte[] wire = q.toWire();
            s.send(new DatagramPacket(wire, wire.length, new InetSocketAddress("127.0.0.1", port)));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            while (true) {
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                Message m = new Message(java.util.Arrays.copyOf(buf, p.getLength()));
                if (m.getHeader().getID() == q.getHeader().getID()) {
                    return m;
                }
            }
        }
    }

    static Message tcp(int port, Message q, int timeoutMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            return DnsClient.exchange(s, q);
        }
    }

    /** Polls until the condition holds or the time is up; returns whether it held. */
    static boolean eventually(long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }
}
