package io.nodedns.plugin.cache;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** dnsjava builders for the replies the test upstream sends. */
final class Replies {
    private Replies() {}

    static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A reply to {@code q}: same ID, question, RD and CD; QR and RA set. */
    static Message reply(Message q, int rcode) {
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        if (q.getHeader().getFlag(Flags.CD)) {
            r.getHeader().setFlag(Flags.CD);
        }
        r.getHeader().setRcode(rcode);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        return r;
    }

    static Message with(Message r, int section, Record... records) {
        for (Record rec : records) {
            r.addRecord(rec, section);
        }
        return r;
    }

    static Record a(String owner, long ttl, String ip) {
        try {
            return new ARecord(name(owner), DClass.IN, ttl, InetAddress.getByName(ip));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Record cname(String owner, long ttl, String target) {
        return new CNAMERecord(name(owner), DClass.IN, ttl, name(target));
    }

    static Record soa(String zone, long ttl, long minimum) {
        return new SOARecord(name(zone), DClass.IN, ttl, name("ns." + zone), name("admin." + zone), 1, 3600, 600, 86400,
                minimum);
    }

    static Record ns(String zone, long ttl) {
        return new NSRecord(name(zone), DClass.IN, ttl, name("ns." + zone));
    }

    static Record rrsig(String owner, long ttl, Instant expire, Instant inception) {
        return new RRSIGRecord(name(owner), DClass.IN, ttl, Type.A, 13, ttl, expire, inception, 12345,
                name("example.org"),
                new byte[64]);
    }

    static Record opt(boolean dnssecOk, List<EDNSOption> options) {
        return new OPTRecord(1232, 0, 0, dnssecOk ? org.xbill.DNS.ExtendedFlags.DO : 0, options);
    }

    /** The usual positive answer: one A record for the question name. */
    static Message answerA(Message q, long ttl, String ip) {
        return with(reply(q, 0), Section.ANSWER, a(q.getQuestion().getName().toString(), ttl, ip));
    }
}
