package io.nodedns.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/** Seeded generator of dnsjava messages whose names share suffixes, so that compression is everywhere. */
final class RandomMessages {
    private static final String[] LABELS = {
            "www", "WWW", "a", "b1", "svc", "Svc", "cluster", "local", "example", "org", "com", "ns", "_tcp", "_dns",
            "kube-system", "x"};

    private final SplittableRandom rnd;
    private final List<Name> pool = new ArrayList<>();

    RandomMessages(final SplittableRandom rnd) {
        this.rnd = rnd;
    }

    Name name() {
        if (!pool.isEmpty() && rnd.nextInt(3) == 0) {
            return pool.get(rnd.nextInt(pool.size()));
        }
        final int labels = rnd.nextInt(5);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < labels; i++) {
            sb.append(rnd.nextInt(8) == 0 ? "h" + rnd.nextInt(1000) : LABELS[rnd.nextInt(LABELS.length)]).append('.');
        }
        final Name n = sb.isEmpty() ? Name.root : Name.fromConstantString(sb.toString());
        pool.add(n);
        return n;
    }

    int dclass() {
        return rnd.nextInt(10) == 0 ? DClass.CH : DClass.IN;
    }

    long ttl() {
        return rnd.nextInt(10) == 0 ? rnd.nextInt(Integer.MAX_VALUE) : rnd.nextInt(86400);
    }

    Record record() {
        final Name owner = name();
        final int dclass = dclass();
        final long ttl = ttl();
        return switch (rnd.nextInt(11)) {
            case 0, 1 -> new ARecord(owner, dclass, ttl, WireTestSupport.addr(bytes(4)));
            case 2 -> new AAAARecord(owner, dclass, ttl, WireTestSupport.addr(bytes(16)));
            case 3 -> new CNAMERecord(owner, dclass, ttl, name());
            case 4 -> new NSRecord(owner, dclass, ttl, name());
            case 5 -> new PTRRecord(owner, dclass, ttl, name());
            case 6 -> new MXRecord(owner, dclass, ttl, rnd.nextInt(65536), name());
            case 7 -> new TXTRecord(owner, dclass, ttl, "t" + rnd.nextInt(100_000));
            case 8 -> new SOARecord(owner, dclass, ttl, name(), name(), rnd.nextInt(1000), 1, 2, 3, 4);
            case 9 -> new SRVRecord(owner, dclass, ttl, rnd.nextInt(10), rnd.nextInt(10), rnd.nextInt(65536), name());
            default -> Record.newRecord(owner, 65280 + rnd.nextInt(200), dclass, ttl, bytes(rnd.nextInt(40)));
        };
    }

    List<EDNSOption> options() {
        final List<EDNSOption> out = new ArrayList<>();
        final int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            out.add(switch (rnd.nextInt(6)) {
                case 0 -> new CookieOption(bytes(8));
                case 1 -> new GenericEDNSOption(Edns.OPTION_NSID, bytes(rnd.nextInt(6)));
                case 2 -> new GenericEDNSOption(Edns.OPTION_PADDING, new byte[rnd.nextInt(30)]);
                case 3 -> new GenericEDNSOption(Edns.OPTION_CLIENT_SUBNET, new byte[]{0, 1, 24, 0, 10, 1, 2});
                case 4 -> new GenericEDNSOption(Edns.OPTION_TCP_KEEPALIVE, new byte[0]);
                default -> new GenericEDNSOption(65001, bytes(rnd.nextInt(5)));
            });
        }
        return out;
    }

    /** A response: random header bits, 0-2 questions, random sections, maybe an OPT anywhere in additional. */
    Message response() {
        final Message m = new Message(rnd.nextInt(65536));
        m.getHeader().setFlag(Flags.QR);
        for (final int flag : new int[]{Flags.AA, Flags.RD, Flags.RA, Flags.AD, Flags.CD}) {
            if (rnd.nextBoolean()) {
                m.getHeader().setFlag(flag);
            }
        }
        m.getHeader().setRcode(rnd.nextInt(6));
        final int questions = rnd.nextInt(10) == 0 ? rnd.nextInt(3) : 1;
        for (int i = 0; i < questions; i++) {
            m.addRecord(Record.newRecord(name(), 1 + rnd.nextInt(40), DClass.IN), Section.QUESTION);
        }
        final int big = rnd.nextInt(4) == 0 ? 40 : 8;
        fill(m, Section.ANSWER, rnd.nextInt(big));
        fill(m, Section.AUTHORITY, rnd.nextInt(5));
        final int additional = rnd.nextInt(6);
        final int optAt = rnd.nextBoolean() ? rnd.nextInt(additional + 1) : -1;
        for (int i = 0; i <= additional; i++) {
            if (i == optAt) {
                // extended rcode < 128: dnsjava reads a TTL with the top bit set as 0, OPT included
                m.addRecord(new OPTRecord(rnd.nextInt(65536), rnd.nextInt(4) == 0 ? rnd.nextInt(128) : 0,
                        rnd.nextInt(4) == 0 ? 1 : 0, rnd.nextInt(65536), options()), Section.ADDITIONAL);
            }
            if (i < additional) {
                m.addRecord(record(), Section.ADDITIONAL);
            }
        }
        return m;
    }

    /** A query as a stub would send it, maybe with EDNS. */
    Message query() {
        final Message m = Message.newQuery(Record.newRecord(name(), 1 + rnd.nextInt(40), dclass()));
        m.getHeader().setID(rnd.nextInt(65536));
        if (rnd.nextBoolean()) {
            m.getHeader().unsetFlag(Flags.RD);
        }
        if (rnd.nextBoolean()) {
            m.addRecord(new OPTRecord(rnd.nextInt(4) == 0 ? rnd.nextInt(600) : 512 + rnd.nextInt(4000), 0, 0,
                    rnd.nextBoolean() ? 0x8000 : 0, options()), Section.ADDITIONAL);
        }
        return m;
    }

    byte[] bytes(final int n) {
        final byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    private void fill(final Message m, final int section, final int n) {
        for (int i = 0; i < n; i++) {
            m.addRecord(record(), section);
        }
    }
}
