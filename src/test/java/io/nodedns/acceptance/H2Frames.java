package io.nodedns.acceptance;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A raw HTTP/2 client connection (RFC 9113) over TLS with ALPN {@code h2}: frames are written as
 * given, and every wait is bounded, so a test sees a server that does not answer as a timeout of
 * its own choosing (the JDK's HttpClient hides the connection behind its own pool and retries).
 * Header blocks are HPACK (RFC 7541) literals without indexing and Huffman coding.
 */
final class H2Frames implements AutoCloseable {
    static final int HEADERS = 1;
    static final int SETTINGS = 4;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final SSLSocket socket;
    private final OutputStream out;
    private final InputStream in;

    /** Connects, handshakes with ALPN h2 and writes the preface; connect, handshake and every read wait at most {@code timeout}. */
    H2Frames(SSLContext ctx, int port, Duration timeout) throws IOException {
        socket = (SSLSocket) ctx.getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
        socket.setSoTimeout((int) timeout.toMillis());
        SSLParameters p = socket.getSSLParameters();
        p.setApplicationProtocols(new String[]{"h2"});
        socket.setSSLParameters(p);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol())) {
            throw new IOException("ALPN chose " + socket.getApplicationProtocol());
        }
        // whole frames per write: a SETTINGS header and body in two TLS records got PROTOCOL_ERROR from Jetty 12.1
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        in = socket.getInputStream();
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
        out.flush();
    }

    /** One frame into the socket's buffer (not flushed: see {@link #flush}). */
    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] h = {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length, (byte) type,
                (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
        out.write(h);
        out.write(payload);
    }

    void flush() throws IOException {
        out.flush();
    }

    /** The header block of {@code GET /dns-query?dns=QUERY} (RFC 8484 4.1) for {@code query}. */
    static byte[] get(byte[] query) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x82); // :method GET (static table 2)
        b.write(0x87); // :scheme https (7)
        literal(b, 4, "/dns-query?dns=" + Base64.getUrlEncoder().withoutPadding().encodeToString(query)); // :path
        literal(b, 1, "dns.test"); // :authority
        return b.toByteArray();
    }

    /** A literal header field without indexing (RFC 7541 6.2.2) named by the static table's {@code index}. */
    private static void literal(ByteArrayOutputStream b, int index, String value) {
        b.write(index); // 0000 and a 4-bit index: every static index used here is below 15
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        integer(b, 7, bytes.length);
        b.writeBytes(bytes);
    }

    /** RFC 7541 5.1: an integer with a {@code prefix}-bit prefix (the H bit, when there is one, 0). */
    private static void integer(ByteArrayOutputStream b, int prefix, int value) {
        int max = (1 << prefix) - 1;
        if (value < max) {
            b.write(value);
            return;
        }
        b.write(max);
        value -= max;
        while (value >= 128) {
            b.write(value % 128 + 128);
            value /= 128;
        }
        b.write(value);
    }

    /** Reads frames until one of {@code type} (its stream id is returned) or the end (-1); others are dropped. */
    int awaitFrame(int type) throws IOException {
        byte[] h = new byte[9];
        while (true) {
            if (in.readNBytes(h, 0, 9) < 9) {
                return -1;
            }
            int length = (h[0] & 0xFF) << 16 | (h[1] & 0xFF) << 8 | h[2] & 0xFF;
            in.skipNBytes(length);
            if ((h[3] & 0xFF) == type) {
                return (h[5] & 0x7F) << 24 | (h[6] & 0xFF) << 16 | (h[7] & 0xFF) << 8 | h[8] & 0xFF;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
