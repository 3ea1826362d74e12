package io.nodedns.wire;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Static accessors for the 12-byte DNS header (RFC 1035 4.1.1) at {@code off} in a buffer.
 * <p>
 * The flags word is the 16 bits after the ID: {@code QR | OPCODE(4) | AA | TC | RD | RA | Z | AD | CD | RCODE(4)}.
 * Nothing here allocates or checks bounds beyond what the buffer itself does: callers check
 * {@code length >= LENGTH} once per message.
 */
public final class DnsHeader {
    public static final int LENGTH = 12;

    public static final int ID_OFFSET = 0;
    public static final int FLAGS_OFFSET = 2;
    public static final int QDCOUNT_OFFSET = 4;
    public static final int ANCOUNT_OFFSET = 6;
    public static final int NSCOUNT_OFFSET = 8;
    public static final int ARCOUNT_OFFSET = 10;

    /** Flag masks over the 16-bit flags word. */
    public static final int QR = 0x8000;
    public static final int AA = 0x0400;
    public static final int TC = 0x0200;
    public static final int RD = 0x0100;
    public static final int RA = 0x0080;
    public static final int Z = 0x0040;
    public static final int AD = 0x0020;
    public static final int CD = 0x0010;
    public static final int OPCODE_MASK = 0x7800;
    public static final int OPCODE_SHIFT = 11;
    public static final int RCODE_MASK = 0x000F;

    public static final int OPCODE_QUERY = 0;
    public static final int OPCODE_IQUERY = 1;
    public static final int OPCODE_STATUS = 2;
    public static final int OPCODE_NOTIFY = 4;
    public static final int OPCODE_UPDATE = 5;

    public static final int RCODE_NOERROR = 0;
    public static final int RCODE_FORMERR = 1;
    public static final int RCODE_SERVFAIL = 2;
    public static final int RCODE_NXDOMAIN = 3;
    public static final int RCODE_NOTIMP = 4;
    public static final int RCODE_REFUSED = 5;
    /** Extended (12-bit) rcode: needs an OPT record to carry the upper 8 bits. */
    public static final int RCODE_BADVERS = 16;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private DnsHeader() {}

    public static int id(final DirectBuffer b, final int off) {
        return b.getShort(off + ID_OFFSET, BE) & 0xFFFF;
    }

    public static void id(final MutableDirectBuffer b, final int off, final int id) {
        b.putShort(off + ID_OFFSET, (short) id, BE);
    }

    public static int flags(final DirectBuffer b, final int off) {
        return b.getShort(off + FLAGS_OFFSET, BE) & 0xFFFF;
    }

    public static void flags(final MutableDirectBuffer b, final int off, final int flags) {
        b.putShort(off + FLAGS_OFFSET, (short) flags, BE);
    }

    /** Whether any bit of {@code mask} ({@link #QR}, {@link #TC}, ...) is set in the flags word. */
    public static boolean flag(final DirectBuffer b, final int off, final int mask) {
        return (flags(b, off) & mask) != 0;
    }

    public static int opcode(final DirectBuffer b, final int off) {
        return (flags(b, off) & OPCODE_MASK) >>> OPCODE_SHIFT;
    }

    /** The 4-bit header rcode (extended rcode bits live in the OPT TTL). */
    public static int rcode(final DirectBuffer b, final int off) {
        return flags(b, off) & RCODE_MASK;
    }

    /** Sets or clears the bits of {@code mask} in the flags word. */
    public static void flag(final MutableDirectBuffer b, final int off, final int mask, final boolean on) {
        final int f = flags(b, off);
        flags(b, off, on ? (f | mask) : (f & ~mask));
    }

    public static void opcode(final MutableDirectBuffer b, final int off, final int opcode) {
        flags(b, off, (flags(b, off) & ~OPCODE_MASK) | ((opcode << OPCODE_SHIFT) & OPCODE_MASK));
    }

    /** Stores the low 4 bits of {@code rcode}; the caller puts {@code rcode >>> 4} into the OPT if needed. */
    public static void rcode(final MutableDirectBuffer b, final int off, final int rcode) {
        flags(b, off, (flags(b, off) & ~RCODE_MASK) | (rcode & RCODE_MASK));
    }

    public static int qdcount(final DirectBuffer b, final int off) {
        return b.getShort(off + QDCOUNT_OFFSET, BE) & 0xFFFF;
    }

    public static int ancount(final DirectBuffer b, final int off) {
        return b.getShort(off + ANCOUNT_OFFSET, BE) & 0xFFFF;
    }

    public static int nscount(final DirectBuffer b, final int off) {
        return b.getShort(off + NSCOUNT_OFFSET, BE) & 0xFFFF;
    }

    public static int arcount(final DirectBuffer b, final int off) {
        return b.getShort(off + ARCOUNT_OFFSET, BE) & 0xFFFF;
    }

    public static void qdcount(final MutableDirectBuffer b, final int off, final int count) {
        b.putShort(off + QDCOUNT_OFFSET, (short) count, BE);
    }

    public static void ancount(final MutableDirectBuffer b, final int off, final int count) {
        b.putShort(off + ANCOUNT_OFFSET, (short) count, BE);
    }

    public static void nscount(final MutableDirectBuffer b, final int off, final int count) {
        b.putShort(off + NSCOUNT_OFFSET, (short) count, BE);
    }

    public static void arcount(final MutableDirectBuffer b, final int off, final int count) {
        b.putShort(off + ARCOUNT_OFFSET, (short) count, BE);
    }

    /** Count of section 0=question, 1=answer, 2=authority, 3=additional. */
    public static int count(final DirectBuffer b, final int off, final int section) {
        return b.getShort(off + QDCOUNT_OFFSET + (section << 1), BE) & 0xFFFF;
    }

    public static void count(final MutableDirectBuffer b, final int off, final int section, final int count) {
        b.putShort(off + QDCOUNT_OFFSET + (section << 1), (short) count, BE);
    }

    /**
     * The rcode mnemonics CoreDNS prints and reads (miekg/dns's RcodeToString, by value; IANA's DNS
     * RCODEs registry). 16 is BADSIG there, the TSIG name (RFC 8945); RFC 6891 calls it BADVERS.
     */
    private static final String[] RCODE_NAMES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
            "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI", null, null, null, null, "BADSIG",
            "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE"};

    /**
     * An rcode as CoreDNS's metrics and trace label it (plugin/pkg/rcode.ToString): the mnemonic, or
     * {@code RCODE} and the number for one without a name (12 to 15, past 23).
     */
    public static String rcodeName(final int rcode) {
        final String name = mnemonic(rcode);
        return name != null ? name : "RCODE" + rcode;
    }

    /** An rcode as CoreDNS's log {@code {rcode}} and forward's metrics print it: the mnemonic, or the number. */
    public static String rcodeNameOrNumber(final int rcode) {
        final String name = mnemonic(rcode);
        return name != null ? name : Integer.toString(rcode);
    }

    private static String mnemonic(final int rcode) {
        return rcode >= 0 && rcode < RCODE_NAMES.length ? RCODE_NAMES[rcode] : null;
    }

    /**
     * The rcode a mnemonic names, or -1 (miekg/dns's StringToRcode, which CoreDNS's forward, rewrite
     * and template read): the names above, NOTIMPL (miekg/dns keeps the old spelling) and BADVERS
     * (RFC 6891's name for 16, which nodedns's forward has always taken). Case-sensitive, as the map
     * is: forward and rewrite upper-case the text first, template does not.
     */
    public static int rcodeByName(final String name) {
        if (name.equals("NOTIMPL")) {
            return RCODE_NOTIMP;
        }
        if (name.equals("BADVERS")) {
            return RCODE_BADVERS;
        }
        for (int i = 0; i < RCODE_NAMES.length; i++) {
            if (name.equals(RCODE_NAMES[i])) {
                return i;
            }
        }
        return -1;
    }
}
