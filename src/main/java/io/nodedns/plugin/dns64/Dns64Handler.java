package io.nodedns.plugin.dns64;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.SelfLookup;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * DNS64 (RFC 6147, CoreDNS plugin/dns64): an AAAA query of class IN from an IPv6 client (or any
 * client with allow_ipv4) goes down the chain; if the reply has no AAAA record and is not
 * NXDOMAIN (5.1.1, 5.1.2), the same name is asked for A through the server block's whole chain
 * ({@link SelfLookup}, CoreDNS's pkg/upstream) and every A record comes back as an AAAA with the IPv4 address embedded
 * in the prefix (RFC 6052 2.2), TTL the smaller of the A's and the AAAA reply's SOA (600 without
 * one, 5.1.7). Other records of the A reply are returned unchanged (5.3.3). This path runs on a
 * virtual thread and allocates; queries it does not intercept pass through allocation-free.
 */
final class Dns64Handler extends ChainHandler {
    private static final long DEFAULT_SOA_TTL = 600;

    private final Dns64Config config;
    private final LongAdder translated;

    Dns64Handler(Dns64Config config, LongAdder translated) {
        super("dns64");
        this.config = config;
        this.translated = translated;
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        if (q.qtype() != Records.TYPE_AAAA || q.qclass() != Records.CLASS_IN
                || (!config.allowIpv4() && ex.client().ipLength() == 4)) {
            return next(ex);
        }
        return SelfLookup.offLoop(ex, "dns64", () -> translate(ex));
    }

    private void translate(Exchange ex) {
        try {
            byte[] request = new byte[ex.requestLength()];
            ex.request().getBytes(0, request);
            Handler next = nextHandler();
            byte[] aaaa = next == null ? null : SelfLookup.ask(ex, next, request);
            if (aaaa == null) {
                ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
                return;
            }
            Message aaaaReply = new Message(aaaa);
            if (!shouldSynthesize(aaaaReply)) {
                ex.response().putBytes(0, aaaa);
                ex.written(aaaa.length, "dns64");
                ex.complete();
                return;
            }
            byte[] aQuery = request.clone();
            int qtypeAt = ex.query().questionEnd() - 4;
            aQuery[qtypeAt] = 0;
            aQuery[qtypeAt + 1] = (byte) Records.TYPE_A;
            byte[] a = SelfLookup.ask(ex, ex.config().head(), aQuery);
            if (a == null) {
                ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
                return;
            }
            byte[] reply = synthesize(new Message(request), aaaaReply, new Message(a)).toWire();
            ex.response().putBytes(0, reply);
            ex.written(reply.length, "dns64");
            translated.increment();
            ex.complete();
        } catch (IOException | RuntimeException e) {
            ex.error("plugin/dns64: " + e.getMessage());
            ex.completeWithRcode(DnsHeader.RCODE_SERVFAIL);
        }
    }

    /** RFC 6147 5.1.1 and 5.1.2: no AAAA in the answer (any with translate_all), and not NXDOMAIN. */
    boolean shouldSynthesize(Message reply) {
        if (reply.getRcode() == Rcode.NXDOMAIN) {
            return false;
        }
        if (config.translateAll()) {
            return true;
        }
        for (Record r : reply.getSection(Section.ANSWER)) {
            if (r.getType() == Type.AAAA) {
                return false;
            }
        }
        return true;
    }

    /** The reply to the client's AAAA question from the A reply, as CoreDNS's Synthesize builds it. */
    Message synthesize(Message request, Message aaaaReply, Message aReply) throws IOException {
        Message out = new Message(request.getHeader().getID());
        out.getHeader().setFlag(Flags.QR);
        out.getHeader().setOpcode(request.getHeader().getOpcode());
        if (request.getHeader().getFlag(Flags.RD)) {
            out.getHeader().setFlag(Flags.RD);
        }
        if (request.getHeader().getFlag(Flags.CD)) {
            out.getHeader().setFlag(Flags.CD);
        }
        if (aReply.getHeader().getFlag(Flags.TC)) {
            out.getHeader().setFlag(Flags.TC);
        }
        out.getHeader().setRcode(aReply.getRcode());
        out.addRecord(request.getQuestion(), Section.QUESTION);
        long soaTtl = DEFAULT_SOA_TTL;
        for (Record r : aaaaReply.getSection(Section.AUTHORITY)) {
            if (r.getType() == Type.SOA) {
                soaTtl = r.getTTL();
            }
        }
        for (Record r : aReply.getSection(Section.ANSWER)) {
            if (r instanceof ARecord a) {
                out.addRecord(new AAAARecord(a.getName(), a.getDClass(), Math.min(soaTtl, a.getTTL()),
                        InetAddress.getByAddress(embed(a.getAddress().getAddress()))), Section.ANSWER);
            } else {
                out.addRecord(r, Section.ANSWER);
            }
        }
        for (Record r : aReply.getSection(Section.AUTHORITY)) {
            out.addRecord(r, Section.AUTHORITY);
        }
        for (Record r : aReply.getSection(Section.ADDITIONAL)) {
            if (r.getType() != Type.OPT) { // the client's own OPT is echoed by the server
                out.addRecord(r, Section.ADDITIONAL);
            }
        }
        return out;
    }

    /** RFC 6052 2.2: the IPv4 address after the prefix, skipping bits 64..71 (the "u" octet). */
    byte[] embed(byte[] v4) {
        byte[] v6 = config.prefix().clone();
        int i = config.prefixLength() / 8;
        for (int j = 0; j < 4; j++, i++) {
            if (i == 8) {
                i++;
            }
            v6[i] = v4[j];
        }
        return v6;
    }
}
