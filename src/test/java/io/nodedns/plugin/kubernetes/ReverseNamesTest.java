package io.nodedns.plugin.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;

/** PTR names back to addresses through the one reverse-name reader (wire.ReverseName, as hosts). */
class ReverseNamesTest {
    private static InetAddress address(String name) throws Exception {
        return ReverseNames.address(Name.fromString(name));
    }

    @Test
    void wholeNamesGiveTheirAddress() throws Exception {
        assertEquals(InetAddress.getByName("10.96.0.1"), address("1.0.96.10.in-addr.arpa."));
        assertEquals(InetAddress.getByName("10.96.0.1"), address("1.0.96.10.IN-ADDR.ARPA."));
        assertEquals(InetAddress.getByName("fd00::1"),
                address("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa."));
        assertEquals(InetAddress.getByName("fd00::abcd"),
                address("D.C.B.A.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa."));
    }

    @Test
    void partialOrMalformedNamesGiveNull() throws Exception {
        assertNull(address("0.96.10.in-addr.arpa."), "three octets: a reverse zone, not an address");
        assertNull(address("256.0.96.10.in-addr.arpa."));
        assertNull(address("01.0.96.10.in-addr.arpa."), "a leading zero, refused as Go's ParseIP does");
        assertNull(address("x.0.96.10.in-addr.arpa."));
        assertNull(address("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa."), "31 nibbles");
        assertNull(address("g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa."));
        assertNull(address("web.cluster.local."));
    }
}
