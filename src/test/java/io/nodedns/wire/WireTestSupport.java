package io.nodedns.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Shared helpers: dnsjava builders and buffer plumbing for the wire tests. */
final class WireTestSupport {
    static final int BIG = 70_000;

    private WireTestSupport() {}

    /** A direct buffer (the production kind) holding {@code bytes} at {@code off}. */
    static UnsafeBuffer direct(final byte[] bytes, final int off, final int capacity) {
        final UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
        b.putBytes(off, bytes);
        return b;
    }

    static UnsafeBuffer direct(final byte[] bytes) {
        return direct(bytes, 0, BIG);
    }

    static byte[] bytes(final DirectBuffer b, final int off, final int len) {
        final byte[] out = new byte[len];
        b.getBytes(off, out);
        return out;
    }

    static Message parse(final DirectBuffer b, final int off, final int len) {
        try {
            return new Message(bytes(b, off, len));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Message parse(final byte[] wire) {
        try {
            return new Message(wire);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Name name(final String s) {
        return Name.fromConstantString(s.endsWith(".") ? s : s + ".");
    }

    static Message query(final String qname, final int type) {
        final Message m = Message.newQuery(Record.newRecord(name(qname), type, DClass.IN));
        m.getHeader().setID(0x1234);
        return m;
    }

    static Message query(final String qname, final int type, final int udp, final boolean dnssecOk,
            final EDNSOption... options) {
        final Message m = query(qname, type);
        m.addRecord(new OPTRecord(udp, 0, 0, dnssecOk ? 0x8000 : 0, List.of(options)), Section.ADDITIONAL);
        return m;
    }

    /** A response to {@code q} with {@code n} A records for the qname (compressed owners). */
    static Message aResponse(final Message q, final int n) {
        final Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        for (int i = 0; i < n; i++) {
            r.addRecord(a(q.getQuestion().getName(), 300, i), Section.ANSWER);
        }
        return r;
    }

    static List<Record> all(final Message m) {
        final List<Record> out = new ArrayList<>();
        for (int s = Section.ANSWER; s <= Section.ADDITIONAL; s++) {
            out.addAll(m.getSection(s));
        }
        return out;
    }

    static ARecord a(final Name owner, final long ttl, final int i) {
        return new ARecord(owner, DClass.IN, ttl, addr(new byte[]{10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i}));
    }

    static AAAARecord aaaa(final Name owner, final long ttl, final int i) {
        final byte[] b = new byte[16];
        b[0] = 0x20;
        b[1] = 0x01;
        b[13] = (byte) (i >>> 16);
        b[14] = (byte) (i >>> 8);
        b[15] = (byte) i;
        return new AAAARecord(owner, DClass.IN, ttl, addr(b));
    }

    static InetAddress addr(final byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (final UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static int typeOf(final Record r) {
        return r.getType();
    }

    static boolean isA(final Record r) {
        return r.getType() == Type.A;
    }
}
