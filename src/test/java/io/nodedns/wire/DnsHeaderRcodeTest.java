package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/** The one rcode table (miekg/dns's RcodeToString and StringToRcode, which CoreDNS prints and reads). */
class DnsHeaderRcodeTest {
    private static final String[] NAMES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
            "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI"};

    @Test
    void namesRoundTripAndAgreeWithDnsjava() {
        for (int rcode = 0; rcode < NAMES.length; rcode++) {
            assertEquals(NAMES[rcode], DnsHeader.rcodeName(rcode));
            assertEquals(NAMES[rcode], DnsHeader.rcodeNameOrNumber(rcode));
            assertEquals(rcode, DnsHeader.rcodeByName(NAMES[rcode]));
            assertEquals(Rcode.value(NAMES[rcode]), DnsHeader.rcodeByName(NAMES[rcode]));
        }
        for (int rcode = 17; rcode <= 23; rcode++) {
            String name = Rcode.string(rcode);
            assertEquals(name, DnsHeader.rcodeName(rcode));
            assertEquals(rcode, DnsHeader.rcodeByName(name));
        }
    }

    @Test
    void sixteenIsBadsigAsInCoreDnsAndBadversIsRead() {
        assertEquals("BADSIG", DnsHeader.rcodeName(16));
        assertEquals(16, DnsHeader.rcodeByName("BADSIG"));
        assertEquals(DnsHeader.RCODE_BADVERS, DnsHeader.rcodeByName("BADVERS"));
        assertEquals(DnsHeader.RCODE_NOTIMP, DnsHeader.rcodeByName("NOTIMPL"));
    }

    @Test
    void unnamedRcodesAsCoreDnsPrintsThem() {
        for (int rcode : new int[]{12, 15, 24, 4095}) {
            assertEquals("RCODE" + rcode, DnsHeader.rcodeName(rcode)); // metrics and trace
            assertEquals(Integer.toString(rcode), DnsHeader.rcodeNameOrNumber(rcode)); // log and forward's metrics
        }
    }

    @Test
    void unknownOrWrongCaseNamesAreMinusOne() {
        assertEquals(-1, DnsHeader.rcodeByName("nxdomain")); // callers that ignore case upper-case first
        assertEquals(-1, DnsHeader.rcodeByName("BOGUS"));
        assertEquals(-1, DnsHeader.rcodeByName("RCODE12"));
        assertEquals(-1, DnsHeader.rcodeByName("3"));
        assertEquals(-1, DnsHeader.rcodeByName(""));
    }
}
