package io.nodedns.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** A plain DNS client for tests: raw UDP/TCP sockets, dnsjava to build and parse. Loopback only. */
public final class DnsClient implements AutoCloseable {
    private final InetSocketAddress server;
    private final DatagramSocket socket;

    public DnsClient(String host, int port) throws IOException {
        this.server = new InetSocketAddress(InetAddress.getByName(host), port);
        if (!server.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("tests only talk to loopback: " + server);
        }
        this.socket = new DatagramSocket();
        this.socket.setSoTimeout(3000);
        this.socket.connect(server); // like a stub resolver: datagrams from anyone else never arrive

    }

    public DnsClient(int port) throws IOException {
        this("127.0.0.1", port);
    }

    public static Message query(String name, int type) {
        return query(name, type, DClass.IN);
    }

    public static Message query(String name, int type, int dclass) {
        try {
            Message m = Message
                    .newQuery(Record.newRecord(Name.fromString(name.endsWith(".") ? name : name + "."), type, dclass));
            m.getHeader().setFlag(Flags.RD);
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static Message withEdns(Message m, int udpSize, boolean dnssecOk) {
        m.addRecord(new OPTRecord(udpSize, 0, 0, dnssecOk ? Flags.DO : 0), Section.ADDITIONAL);
        return m;
    }

    /** Sends over UDP and waits for the reply with the same ID (others are skipped); null on timeout. */
    public Message udp(Message query) throws IOException {
        byte[] wire = query.toWire();
        socket.send(new DatagramPacket(wire, wire.length, server));
        long deadline = System.nanoTime() + 3_000_000_000L;
        byte[] buf = new byte[65535];
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return null;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            } catch (java.net.PortUnreachableException e) {
                continue; // nothing listens (yet): like a timeout, wait out the deadline
            } finally {
                socket.setSoTimeout(3000);
            }
            if (p.getLength() >= 2 && ((buf[0] & 0xFF) << 8 | buf[1] & 0xFF) == query.getHeader().getID()) {
                return new Message(java.util.Arrays.copyOf(buf, p.getLength()));
            }
        }
    }

    /** Sends raw bytes over UDP; returns the raw reply or null on timeout. */
    public byte[] udpRaw(byte[] wire) throws IOException {
        socket.send(new DatagramPacket(wire, wire.length, server));
        byte[] buf = new byte[65535];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(p);
        } catch (SocketTimeoutException | java.net.PortUnreachableException e) {
            return null;
        }
        byte[] out = new byte[p.getLength()];
        System.arraycopy(buf, 0, out, 0, out.length);
        return out;
    }

    /** Sends a raw datagram expecting no reply; returns true if none came within the wait. */
    public boolean udpExpectSilence(byte[] wire, int waitMillis) throws IOException {
        socket.send(new DatagramPacket(wire, wire.length, server));
        int old = socket.getSoTimeout();
        socket.setSoTimeout(waitMillis);
        try {
            socket.receive(new DatagramPacket(new byte[65535], 65535));
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout(old);
        }
    }

    /** One query over a fresh TCP connection. */
    public Message tcp(Message query) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server, 3000);
            s.setSoTimeout(3000);
            return exchange(s, query);
        }
    }

    /**
     * One query and its reply over a connected TCP or TLS stream, each message after its two-byte
     * length (RFC 1035 4.2.2, RFC 7858); the connection stays open for the next.
     */
    public static Message exchange(Socket s, Message query) throws IOException {
        return new Message(exchange(s, query.toWire()));
    }

    /** As {@link #exchange(Socket, Message)}, in wire form. */
    public static byte[] exchange(Socket s, byte[] query) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeShort(query.length);
        out.write(query);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] reply = new byte[in.readUnsignedShort()];
        in.readFully(reply);
        return reply;
    }

    public InetSocketAddress server() {
        return server;
    }

    @Override
    public void close() {
        socket.close();
    }
}
