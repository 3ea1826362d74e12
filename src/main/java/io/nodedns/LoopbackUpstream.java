package io.nodedns;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.Channels;
import java.util.Arrays;

/**
 * The upstream of a {@link Warmup}: a minimal authoritative answerer on 127.0.0.1 (UDP and TCP on
 * one ephemeral port). It is not a nodedns pipeline on purpose: the JIT profiles that the training
 * run stores and the warm-up builds must see only the plugins a node cache runs, not whoami's.
 * Names whose first label starts with "nx" get NXDOMAIN with an SOA (RFC 2308, so the denial cache
 * stores them); every other name one A, AAAA or empty answer with TTL 30.
 */
final class LoopbackUpstream implements AutoCloseable {
    /** SOA serial, refresh, retry, expire, minimum (the negative TTL: 5 s). */
    private static final int[] SOA_TIMES = {1, 1800, 900, 604800, 5};
    private final DatagramChannel udp;
    private final ServerSocketChannel tcp;
    private final int port;
    private final Thread udpThread;
    private final Thread tcpThread;
    private volatile boolean closed;

    /** Binds UDP and TCP on one ephemeral 127.0.0.1 port and starts answering. */
    static LoopbackUpstream open() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramChannel u = DatagramChannel.open().bind(new InetSocketAddress(lo, 0));
            try {
                int p = ((InetSocketAddress) u.getLocalAddress()).getPort();
                return new LoopbackUpstream(u, ServerSocketChannel.open().bind(new InetSocketAddress(lo, p)), p);
            } catch (IOException e) {
                u.close(); // TCP port taken by someone else: try another ephemeral port
                last = e;
            }
        }
        throw last;
    }

    private LoopbackUpstream(DatagramChannel udp, ServerSocketChannel tcp, int port) {
        this.udp = udp;
        this.tcp = tcp;
        this.port = port;
        udpThread = Thread.ofPlatform().daemon().name("nodedns-warmup-upstream").start(this::serveUdp);
        tcpThread = Thread.ofPlatform().daemon().name("nodedns-warmup-upstream-tcp").start(this::serveTcp);
    }

    int port() {
        return port;
    }

    private void serveUdp() {
        ByteBuffer in = ByteBuffer.allocate(1232);
        byte[] out = new byte[1232];
        try {
            while (!closed) {
                in.clear();
                SocketAddress from = udp.receive(in);
                int n = answer(in.array(), in.position(), out);
                if (n > 0) {
                    udp.send(ByteBuffer.wrap(out, 0, n), from);
                }
            }
        } catch (ClosedChannelException e) {
            // closed: done
        } catch (IOException e) {
            if (!closed) {
                throw new IllegalStateException("warm-up upstream: " + e.getMessage(), e);
            }
        }
    }

    private void serveTcp() {
        try {
            while (!closed) {
                SocketChannel c = tcp.accept();
                Thread.ofVirtual().name("nodedns-warmup-upstream-conn").start(() -> serveConnection(c));
            }
        } catch (IOException e) {
            // closed: done
        }
    }

    private static void serveConnection(SocketChannel c) {
        try (c;
                DataInputStream in = new DataInputStream(Channels.newInputStream(c));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(c)))) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true); // one write per reply, sent at once
            byte[] q = new byte[65535];
            byte[] a = new byte[1232];
            while (true) {
                int len = in.readUnsignedShort();
                in.readFully(q, 0, len);
                int n = answer(q, len, a);
                if (n > 0) {
                    out.writeShort(n);
                    out.write(a, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the forwarder closed its connection
        }
    }

    /** Writes the reply to query q[0, len) into out; returns its length, or 0 for no reply. */
    static int answer(byte[] q, int len, byte[] out) {
        int off = 12;
        while (off < len && q[off] != 0) {
            if ((q[off] & 0xC0) != 0) {
                return 0; // no compression in a question we are sent
            }
            off += (q[off] & 0xFF) + 1;
        }
        int end = off + 5; // root label, QTYPE, QCLASS
        if (len < 12 || end > len || ((q[4] << 8) | (q[5] & 0xFF)) != 1) {
            return 0;
        }
        System.arraycopy(q, 0, out, 0, end);
        int qtype = ((q[end - 4] & 0xFF) << 8) | (q[end - 3] & 0xFF);
        boolean nx = end > 15 && q[13] == 'n' && q[14] == 'x';
        out[2] = (byte) (0x80 | (q[2] & 0x01)); // QR, RD copied
        out[3] = (byte) (nx ? 0x83 : 0x80); // RA, NXDOMAIN or NOERROR
        Arrays.fill(out, 6, 12, (byte) 0); // AN, NS, AR counts
        int p = end;
        if (nx) {
            out[9] = 1; // NSCOUNT: root SOA, minimum 5 s
            out[p++] = 0;
            p = typeClassTtl(out, p, 6, 5);
            p = u16(out, p, 22);
            out[p++] = 0;
            out[p++] = 0;
            for (int v : SOA_TIMES) {
                p = u16(out, u16(out, p, v >>> 16), v & 0xFFFF);
            }
        } else if (qtype == 1 || qtype == 28) {
            out[7] = 1; // ANCOUNT: one address, owner = the question's name
            out[p++] = (byte) 0xC0;
            out[p++] = 12;
            p = typeClassTtl(out, p, qtype, 30);
            int rdlen = qtype == 1 ? 4 : 16;
            p = u16(out, p, rdlen);
            Arrays.fill(out, p, p + rdlen, (byte) 0);
            if (qtype == 1) {
                out[p] = 127; // 127.0.0.1
            }
            out[p + rdlen - 1] = 1; // or ::1
            p += rdlen;
        }
        return p;
    }

    private static int typeClassTtl(byte[] b, int p, int type, int ttl) {
        return u16(b, u16(b, u16(b, u16(b, p, type), 1), 0), ttl);
    }

    private static int u16(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 8);
        b[p + 1] = (byte) v;
        return p + 2;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        udp.close();
        tcp.close();
        udpThread.interrupt();
        tcpThread.interrupt();
    }
}
