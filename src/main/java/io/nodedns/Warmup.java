package io.nodedns;

import io.nodedns.config.ConfigException;
import io.nodedns.log.Log;
import io.nodedns.plugin.Plugins;
import io.nodedns.server.ConfigSource;
import io.nodedns.server.Server;
import io.nodedns.sys.CompilerThreads;
import io.nodedns.sys.Prelink;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * Synthetic queries through a real nodedns pipeline on loopback, shaped like node-local-dns's
 * blocks (errors, cache, reload, loop, bind, forward over UDP and over TCP, prometheus, health,
 * ready), forwarding to a {@link LoopbackUpstream} in this process. Nothing leaves 127.0.0.1 and
 * no resolv.conf nameserver is ever asked.
 *
 * <p>Two uses: the AOT training run of the image build ({@code deploy/image/build-runtime.sh} runs
 * {@code java -XX:AOTCacheOutput=... -cp nodedns.jar io.nodedns.Warmup}: the classes it loads and
 * the method profiles it gathers go into the AOT cache, JEP 483/514/515), and the warm-up of
 * {@link Main} before the real listeners bind ({@code -warmup}; docs/operations.md "Start-up and
 * JVM flags"). Hits, misses, NXDOMAIN, A and AAAA, UDP and TCP clients; the training run also
 * scrapes /metrics, /health and /ready. It exits non-zero when more than 1 % of the queries go unanswered, so a broken pipeline
 * fails the build.
 */
public final class Warmup {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int WINDOW = 8;
    private static final int HIT_NAMES = 64;
    private static final int TIMEOUT_MILLIS = 2000;
    // The first /metrics scrape registers the JVM's collectors (JMX): seconds on a starved machine
    // at nice 19 (./nodedns's background run timed out at 2 s under load 17, leaving no cache).
    private static final int HTTP_TIMEOUT_MILLIS = 30_000;

    private Warmup() {}

    /** What one run did: queries sent and answered (UDP and TCP), and how long it took. */
    record Result(int sent, int answered, long nanos) {
        @Override
        public String toString() {
            return "%d of %d queries answered in %d ms".formatted(answered, sent, nanos / 1_000_000);
        }
    }

    /** The build's training run: {@code Warmup [UDP_QUERIES [TCP_QUERIES]]} (default 30000 and 2000). */
    public static void main(String[] args) throws Exception {
        int udp = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        int tcp = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        Prelink.start(); // as Main does, so the AOT cache holds its classes too
        Result r = run(udp, tcp, true, System.err);
        System.err.println("nodedns training run: " + r);
        // loopback loses nothing; a query given up after a second on a starved build machine may
        Log.flush(2000);
        System.exit(r.answered() >= r.sent() * 0.99 ? 0 : 1);
    }

    /**
     * Starts the pipeline, sends udp queries over UDP (WINDOW in flight) and tcp over TCP, scrapes
     * the HTTP endpoints when asked, and stops it. Its log lines go to {@code log} (null: dropped
     * unless the run fails, then to stderr).
     */
    static Result run(int udp, int tcp, boolean scrape, PrintStream log) throws IOException, ConfigException {
        return pipeline(false, log, ports -> {
            int answered = udpQueries(ports[0], 0, udp, Warmup::query, NO_DEADLINE)[1];
            answered += tcpQueries(ports[0], tcp);
            if (scrape) {
                for (String url : new String[]{ports[1] + "/metrics", ports[2] + "/health", ports[3] + "/ready"}) {
                    httpGet(url);
                }
            }
            return new int[]{udp + tcp, answered};
        });
    }

    /**
     * The default warm-up of {@link Main}: one block shaped like node-local-dns's {@code .} block
     * (errors, cache, loop, bind, forward over UDP, prometheus), {@link #PRIME_MIN} queries, half
     * of them unique misses, then a few at a time until the JIT's compiler threads are idle
     * ({@link CompilerThreads}), for at most {@link #PRIME_MAX_NANOS} in all (the first queries
     * too: where loopback datagrams are dropped, each window would wait out its timeout before the
     * listeners bind). So the query path is compiled
     * before the real listeners bind, instead of while the first real queries queue behind the
     * compiler on the same core (docs/operations.md "Start-up and JVM flags").
     */
    static Result untilCompiled(PrintStream log) throws IOException, ConfigException {
        long deadline = System.nanoTime() + PRIME_MAX_NANOS;
        return pipeline(true, log, ports -> {
            int[] first = udpQueries(ports[0], 0, PRIME_MIN, Warmup::primeQuery, deadline);
            int sent = first[0];
            int answered = first[1];
            // A few queries at a time keep the hot methods' compile requests fresh (HotSpot drops a
            // queued request whose method has not run for 50 ms); the pauses leave the core to the compiler.
            while (CompilerThreads.busy() && System.nanoTime() - deadline < 0) {
                int[] more = udpQueries(ports[0], sent, 8, Warmup::primeQuery, deadline);
                sent += more[0];
                answered += more[1];
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return new int[]{sent, answered};
        });
    }

    /**
     * Queries the default warm-up sends before it waits for the compiler: each method of the miss
     * path runs at least 128 times, when HotSpot first asks whether to compile it (with the AOT
     * cache's profiles a method compiled in training is compiled then).
     */
    static final int PRIME_MIN = 384;
    /** The default warm-up's bound: on a starved machine the JIT may not be quiet in time, and serving comes first. */
    static final long PRIME_MAX_NANOS = 3_000_000_000L;

    /** The queries of one run against the pipeline's ports {dns, metrics, health, ready}; returns {sent, answered}. */
    private interface Load {
        int[] send(int[] ports) throws IOException;
    }

    /** Starts a loopback pipeline (lean: {@link #leanCorefile}, else {@link #corefile}), runs the load on it, stops it. */
    private static Result pipeline(boolean lean, PrintStream log, Load load) throws IOException, ConfigException {
        long start = System.nanoTime();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Log.output(log != null ? log : new PrintStream(captured, true, StandardCharsets.UTF_8));
        int[] counts;
        try (LoopbackUpstream upstream = LoopbackUpstream.open()) {
            int[] ports = {freePort(), freePort(), lean ? 0 : freePort(), lean ? 0 : freePort()};
            String text = lean
                    ? leanCorefile(ports[0], upstream.port(), ports[1])
                    : corefile(ports[0], upstream.port(), ports[1], ports[2], ports[3]);
            Server server = new Server(Plugins.registry(), new ConfigSource.TextSource("<warm-up>", text), ports[0],
                    name -> null);
            server.start();
            try {
                counts = load.send(ports);
            } finally {
                server.stop();
            }
        } catch (IOException | ConfigException | RuntimeException e) {
            System.err.print(captured.toString(StandardCharsets.UTF_8));
            throw e;
        } finally {
            Log.output(System.out);
        }
        Result r = new Result(counts[0], counts[1], System.nanoTime() - start);
        if (log == null && r.answered() != r.sent()) {
            System.err.print(captured.toString(StandardCharsets.UTF_8));
        }
        return r;
    }

    /** node-local-dns's shape: the cluster domain forwarded over TCP, everything else over UDP. */
    static String corefile(int dns, int upstream, int metrics, int health, int ready) {
        return """
                (node) {
                    errors
                    cache 30 {
                        success 1024
                        denial 1024
                    }
                    reload
                    loop
                    bind 127.0.0.1
                    prometheus 127.0.0.1:%3$d
                }
                tcp.warmup.test:%1$d {
                    import node
                    forward . 127.0.0.1:%2$d {
                        force_tcp
                    }
                    health 127.0.0.1:%4$d
                    ready 127.0.0.1:%5$d
                }
                .:%1$d {
                    import node
                    forward . 127.0.0.1:%2$d
                }
                """.formatted(dns, upstream, metrics, health, ready);
    }

    /** The default warm-up's one block: node-local-dns's {@code .} block without what serves no query (health, ready, reload). */
    static String leanCorefile(int dns, int upstream, int metrics) {
        return """
                .:%1$d {
                    errors
                    cache 30 {
                        success 1024
                        denial 1024
                    }
                    loop
                    bind 127.0.0.1
                    forward . 127.0.0.1:%2$d
                    prometheus 127.0.0.1:%3$d
                }
                """.formatted(dns, upstream, metrics);
    }

    /** Query i: a quarter unique misses, 1/16 NXDOMAIN, 1/32 to the TCP-forwarded zone, the rest hits; 1/8 AAAA. */
    static byte[] query(int i) {
        String name;
        if (i % 32 == 3) {
            name = "t" + (i % (2 * HIT_NAMES)) + ".tcp.warmup.test";
        } else if (i % 4 == 0) {
            name = "m" + i + ".warmup.test";
        } else if (i % 16 == 1) {
            name = "nx" + (i % (4 * HIT_NAMES)) + ".warmup.test";
        } else {
            name = "h" + (i % HIT_NAMES) + ".warmup.test";
        }
        return encode(i, name, i % 8 == 7 ? 28 : 1);
    }

    /** Query i of the default warm-up: half unique misses (forwarded), 1/8 NXDOMAIN, the rest hits; 1/8 AAAA. */
    static byte[] primeQuery(int i) {
        String name;
        if (i % 2 == 0) {
            name = "m" + i + ".warmup.test";
        } else if (i % 8 == 1) {
            name = "nx" + (i % (4 * HIT_NAMES)) + ".warmup.test";
        } else {
            name = "h" + (i % HIT_NAMES) + ".warmup.test";
        }
        return encode(i, name, i % 8 == 6 || i % 8 == 7 ? 28 : 1);
    }

    private static byte[] encode(int id, String name, int qtype) {
        ByteBuffer b = ByteBuffer.allocate(12 + name.length() + 2 + 4);
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putInt(0);
        for (String label : name.split("\\.")) {
            b.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) qtype).putShort((short) 1);
        return b.array();
    }

    /** {@link #udpQueries}' deadline when there is none (the training run): System.nanoTime() never gets there. */
    private static final long NO_DEADLINE = Long.MIN_VALUE;

    /**
     * Sends queries first..first+n-1 over one UDP socket, WINDOW in flight, until the
     * {@link System#nanoTime} {@code deadline} ({@link #NO_DEADLINE}: all n); returns {sent, answered}.
     */
    static int[] udpQueries(int port, int first, int n, IntFunction<byte[]> queries, long deadline)
            throws IOException {
        int answered = 0;
        int sent = 0;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            s.connect(new InetSocketAddress(LOOPBACK, port));
            s.setSoTimeout(TIMEOUT_MILLIS);
            DatagramPacket reply = new DatagramPacket(new byte[1232], 1232);
            int settled = 0; // answered or given up
            while (settled < n) {
                if (deadline != NO_DEADLINE) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break; // the queries in flight are given up
                    }
                    s.setSoTimeout(Math.clamp(left / 1_000_000, 1, TIMEOUT_MILLIS));
                }
                while (sent < n && sent - settled < WINDOW) {
                    byte[] q = queries.apply(first + sent++);
                    s.send(new DatagramPacket(q, q.length));
                }
                try {
                    s.receive(reply);
                    if (reply.getLength() >= 12 && (reply.getData()[2] & 0x80) != 0) {
                        answered++;
                        settled++;
                    }
                } catch (SocketTimeoutException e) {
                    settled = sent; // the queries in flight are lost
                }
            }
        }
        return new int[]{sent, answered};
    }

    private static int tcpQueries(int port, int n) throws IOException {
        int answered = 0;
        for (int i = 0; i < n;) {
            try (Socket s = new Socket(LOOPBACK, port)) {
                s.setSoTimeout(TIMEOUT_MILLIS);
                s.setTcpNoDelay(true);
                // length and message in one write: two would meet Nagle and delayed ACKs (40 ms)
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
                DataInputStream in = new DataInputStream(s.getInputStream());
                // a few queries per connection, as the forward plugin's pooled connections send them
                for (int k = 0; k < 16 && i < n; k++, i++) {
                    byte[] q = query(i);
                    out.writeShort(q.length);
                    out.write(q);
                    out.flush();
                    byte[] reply = new byte[in.readUnsignedShort()];
                    in.readFully(reply);
                    answered++;
                }
            } catch (SocketTimeoutException e) {
                i++; // the query in flight is lost; go on with a new connection
            }
        }
        return answered;
    }

    /** GET http://127.0.0.1:PORT/PATH; throws unless the status is 200. */
    private static void httpGet(String portAndPath) throws IOException {
        int slash = portAndPath.indexOf('/');
        try (Socket s = new Socket(LOOPBACK, Integer.parseInt(portAndPath.substring(0, slash)))) {
            s.setSoTimeout(HTTP_TIMEOUT_MILLIS);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + portAndPath.substring(slash)
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            in.transferTo(OutputStream.nullOutputStream());
            if (!head.endsWith(" 200")) {
                throw new IOException("warm-up: GET " + portAndPath + ": " + head);
            }
        }
    }

    /** A loopback port free for UDP and TCP (the kernel's pick for UDP, checked for TCP). */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (DatagramChannel u = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
                int port = ((InetSocketAddress) u.getLocalAddress()).getPort();
                try (ServerSocketChannel t = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, port))) {
                    return port;
                } catch (IOException e) {
                    // taken for TCP: next
                }
            }
        }
        throw new IOException("warm-up: no free loopback port");
    }
}
