package io.nodedns.plugin.whoami;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.server.Transport;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import java.net.Inet4Address;
import java.net.InetAddress;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Answers every query with the client's address (CoreDNS plugin/whoami): NOERROR, AA, empty answer, and in
 * additional an A/AAAA record named by the qname and an SRV {@code _udp.<qname>} (or _tcp) with
 * the client's port. Written straight into the reply buffer with compression pointers to the
 * question name.
 */
public final class WhoamiHandler extends ChainHandler {
    private static final int POINTER_TO_QNAME = 0xC00C;

    public WhoamiHandler() {
        super("whoami");
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        InetAddress client = ex.client().address();
        byte[] ip = client.getAddress();
        ExpandableDirectByteBuffer out = ex.response();
        int questionLength = q.questionEnd() - 12;
        out.checkLimit(12 + questionLength + 64);
        // header
        out.putShort(0, (short) q.id(), java.nio.ByteOrder.BIG_ENDIAN);
        int requestFlags = q.flags();
        int flags = 0x8000 | 0x0400 | (requestFlags & 0x7800) | (requestFlags & 0x0100) | (requestFlags & 0x0010);
        putShort(out, 2, flags); // QR, AA, opcode, RD, CD copied
        putShort(out, 4, 1);
        putShort(out, 6, 0);
        putShort(out, 8, 0);
        putShort(out, 10, 2);
        out.putBytes(12, ex.request(), 12, questionLength);
        int p = 12 + questionLength;
        // A or AAAA named by the qname
        putShort(out, p, POINTER_TO_QNAME);
        putShort(out, p + 2, client instanceof Inet4Address ? Records.TYPE_A : Records.TYPE_AAAA);
        putShort(out, p + 4, q.qclass());
        out.putInt(p + 6, 0, java.nio.ByteOrder.BIG_ENDIAN);
        putShort(out, p + 10, ip.length);
        out.putBytes(p + 12, ip);
        p += 12 + ip.length;
        // SRV _udp.<qname> (or _tcp) with the client's port, target "."
        out.putByte(p, (byte) 4);
        out.putByte(p + 1, (byte) '_');
        writeProto(out, p + 2, ex.transport());
        putShort(out, p + 5, POINTER_TO_QNAME);
        p += 7;
        putShort(out, p, Records.TYPE_SRV);
        putShort(out, p + 2, q.qclass());
        out.putInt(p + 4, 0, java.nio.ByteOrder.BIG_ENDIAN);
        putShort(out, p + 8, 7);
        putShort(out, p + 10, 0);
        putShort(out, p + 12, 0);
        putShort(out, p + 14, ex.client().port());
        out.putByte(p + 16, (byte) 0);
        p += 17;
        ex.written(p, "whoami");
        return Result.WRITTEN;
    }

    private static void writeProto(MutableDirectBuffer out, int at, Transport transport) {
        String proto = transport == Transport.TCP ? "tcp" : "udp";
        out.putByte(at, (byte) proto.charAt(0));
        out.putByte(at + 1, (byte) proto.charAt(1));
        out.putByte(at + 2, (byte) proto.charAt(2));
    }

    private static void putShort(MutableDirectBuffer out, int at, int value) {
        out.putShort(at, (short) value, java.nio.ByteOrder.BIG_ENDIAN);
    }
}
