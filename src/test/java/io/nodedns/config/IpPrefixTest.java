package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class IpPrefixTest {

    @Test
    void parseIpKeepsTheFormAsWritten() {
        assertArrayEquals(new byte[]{10, 0, 0, 1}, IpPrefix.parseIp("10.0.0.1"));
        byte[] mapped = IpPrefix.parseIp("::ffff:10.0.0.1");
        assertArrayEquals(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 0, 0, 1}, mapped);
        assertNull(IpPrefix.parseIp("10.0.0.256"));
        assertNull(IpPrefix.parseIp("fe80::1%eth0"), "a zone is not part of an address");
        assertNull(IpPrefix.parseIp("example.org"));
    }

    @Test
    void unmappedIsGoTo4ForMappedAddressesOnly() {
        assertArrayEquals(new byte[]{10, 0, 0, 1}, IpPrefix.unmapped(IpPrefix.parseIp("::ffff:10.0.0.1")));
        byte[] v6 = IpPrefix.parseIp("2001:db8::ffff:a00:1");
        assertSame(v6, IpPrefix.unmapped(v6));
        byte[] almost = IpPrefix.parseIp("::1:ffff:10.0.0.1"); // a nonzero byte before the 0xFFFF
        assertSame(almost, IpPrefix.unmapped(almost));
        byte[] v4 = IpPrefix.parseIp("192.0.2.1");
        assertSame(v4, IpPrefix.unmapped(v4));
        assertNull(IpPrefix.unmapped(null));
    }
}
