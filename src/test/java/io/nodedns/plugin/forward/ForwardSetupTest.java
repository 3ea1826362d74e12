package io.nodedns.plugin.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.SetupParse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Rcode;

/** forward's Corefile syntax (CoreDNS plugin/forward/README.md): every option valid and invalid, with file:line. */
class ForwardSetupTest {

    private static final SetupParse<ForwardConfig> FORWARD = new SetupParse<>(body -> ForwardTesting
            .forwardsOf(ForwardTesting.build(". {\n" + body + "\n}\n").configs().getFirst()).getFirst().config());

    private static InetSocketAddress addr(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void defaults() throws Exception {
        ForwardConfig c = FORWARD.parse("forward . 127.0.0.1");
        assertEquals(".", c.from());
        assertEquals(List.of(addr("127.0.0.1", 53)), c.to());
        assertEquals(List.of(), c.except());
        assertFalse(c.forceTcp());
        assertFalse(c.preferUdp());
        assertEquals(Duration.ofSeconds(10), c.expire());
        assertEquals(Duration.ZERO, c.maxAge());
        assertEquals(0, c.maxIdleConns());
        assertEquals(Duration.ofSeconds(2), c.readTimeout());
        assertEquals(2, c.maxFails());
        assertEquals(2, c.effectiveMaxConnectAttempts(1));
        assertEquals(Duration.ofMillis(500), c.healthCheck());
        assertTrue(c.healthCheckRecursion());
        assertEquals(".", c.healthCheckDomain());
        assertEquals("random", c.policy());
        assertEquals(0, c.maxConcurrent());
        assertEquals(0, c.nextRcodes());
        assertFalse(c.nextOnNodata());
        assertEquals(0, c.failoverRcodes());
        assertFalse(c.failfastAllUnhealthy());
        assertFalse(c.forwardSpecialUse(), "RFC 6761 names are answered unless asked otherwise");
        assertNull(c.sourceAddress());
    }

    @Test
    void everyOptionValid() throws Exception {
        ForwardConfig c = FORWARD.parse("""
                forward example.org dns://127.0.0.1:5353 [::1]:53 ::2 127.0.0.1:5353 {
                    except a.example.org B.EXAMPLE.ORG
                    force_tcp
                    prefer_udp
                    expire 20s
                    max_age 1m
                    max_idle_conns 5
                    read_timeout 300ms
                    max_fails 4
                    max_connect_attempts 3
                    health_check 250ms no_rec domain Probe.Example.
                    policy round_robin
                    max_concurrent 100
                    next NXDOMAIN refused
                    next_on_nodata
                    failover SERVFAIL
                    failfast_all_unhealthy_upstreams
                    forward_special_use
                    doh_method GET
                    source_address 127.0.0.1
                    resolver 127.0.0.1:5300 [::1]
                }""");
        assertEquals("example.org.", c.from());
        assertEquals(List.of(addr("127.0.0.1", 5353), addr("::1", 53), addr("::2", 53)), c.to(),
                "deduplicated, in order");
        assertEquals(List.of("a.example.org.", "b.example.org."), c.except());
        assertTrue(c.forceTcp());
        assertTrue(c.preferUdp());
        assertEquals(Duration.ofSeconds(20), c.expire());
        assertEquals(Duration.ofMinutes(1), c.maxAge());
        assertEquals(5, c.maxIdleConns());
        assertEquals(Duration.ofMillis(300), c.readTimeout());
        assertEquals(4, c.maxFails());
        assertEquals(3, c.effectiveMaxConnectAttempts(3));
        assertEquals(Duration.ofMillis(250), c.healthCheck());
        assertFalse(c.healthCheckRecursion());
        assertEquals("probe.example.", c.healthCheckDomain());
        assertEquals("round_robin", c.policy());
        assertEquals(100, c.maxConcurrent());
        assertEquals((1 << Rcode.NXDOMAIN) | (1 << Rcode.REFUSED), c.nextRcodes());
        assertTrue(c.nextOnNodata());
        assertEquals(1 << Rcode.SERVFAIL, c.failoverRcodes());
        assertTrue(c.failfastAllUnhealthy());
        assertTrue(c.forwardSpecialUse());
        assertEquals("GET", c.dohMethod());
        assertEquals(InetAddress.getByName("127.0.0.1"), c.sourceAddress());
        assertEquals(List.of(addr("127.0.0.1", 5300), addr("::1", 53)), c.resolvers());
    }

    @Test
    void maxConnectAttemptsZeroMeansNoCap() throws Exception {
        assertEquals(0,
                FORWARD.parse("forward . 127.0.0.1 {\nmax_connect_attempts 0\n}").effectiveMaxConnectAttempts(3));
        assertEquals(6, FORWARD.parse("forward . 127.0.0.1 127.0.0.2 127.0.0.3").effectiveMaxConnectAttempts(3));
    }

    @Test
    void cidrFromUsesTheFirstReverseZone() throws Exception {
        assertEquals("0.9.10.in-addr.arpa.", FORWARD.parse("forward 10.9.3.0/18 127.0.0.1").from());
        assertEquals("3.9.10.in-addr.arpa.", FORWARD.parse("forward 10.9.3.0/24 127.0.0.1").from());
    }

    @Test
    void resolvConfFileGivesItsNameservers(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("resolv.conf");
        Files.writeString(f, """
                # comment
                search example.org
                nameserver 127.0.0.53
                ; another comment
                nameserver ::1
                nameserver not-an-ip
                options ndots:5
                """);
        assertEquals(List.of(addr("127.0.0.53", 53), addr("::1", 53)), FORWARD.parse("forward . " + f).to());
        Path empty = dir.resolve("empty.conf");
        Files.writeString(empty, "search example.org\n");
        assertEquals(List.of(addr("127.0.0.1", 53)), FORWARD.parse("forward . " + empty + " 127.0.0.1").to(),
                "an empty file is skipped");
        FORWARD.fails("forward . " + empty, 2, "no nameservers found");
    }

    @Test
    void fifteenTosAllowedSixteenRejected() throws Exception {
        StringBuilder tos = new StringBuilder();
        for (int i = 1; i <= 15; i++) {
            tos.append(" 127.0.0.").append(i);
        }
        assertEquals(15, FORWARD.parse("forward ." + tos).to().size());
        FORWARD.fails("\n\nforward ." + tos + " 127.0.0.16", 4, "more than 15 TOs configured: 16");
    }

    @Test
    void severalForwardsChainInOrder() throws Exception {
        var forwards = ForwardTesting.forwardsOf(ForwardTesting.build("""
                . {
                    forward example.org 127.0.0.1
                    forward . 127.0.0.2
                }
                """).configs().getFirst());
        assertEquals(2, forwards.size());
        assertEquals("example.org.", forwards.get(0).config().from());
        assertEquals(".", forwards.get(1).config().from());
        assertSame(forwards.get(1), forwards.get(0).nextInChain());
    }

    @Test
    void hostnamesResolveWithTheResolverOption() throws Exception {
        try (FakeUpstream dns = FakeUpstream.start()) {
            dns.reply(q -> q.getQuestion().getName().toString().equals("upstream.test.")
                    ? FakeUpstream.answer(q)
                    : FakeUpstream.replyTo(q, Rcode.NXDOMAIN));
            ForwardConfig c = FORWARD.parse("forward . upstream.test:5353 {\nresolver " + dns.hostPort() + "\n}");
            assertEquals(List.of(addr("192.0.2.1", 5353), addr("2001:db8::1", 5353)), c.to());
            FORWARD.fails("forward . missing.test {\nresolver " + dns.hostPort() + "\n}", 2,
                    "failed to resolve \"missing.test\": NXDOMAIN");
        }
    }

    @Test
    void httpsIsRejectedAsNotSupportedYet() {
        FORWARD.fails("forward . 127.0.0.1 https://127.0.0.1/dns-query", 2, "not supported yet");
    }

    @Test
    void tlsUpstreamsDefaultToPort853AndKeepTheirOwnServerName() throws Exception {
        ForwardConfig c = FORWARD.parse("forward . tls://127.0.0.1 tls://127.0.0.2%dns.example:10853 127.0.0.3 "
                + "tls://[::1%v6.example]:8853 tls://[::2]");
        assertEquals(List.of(addr("127.0.0.1", 853), addr("127.0.0.2", 10853), addr("127.0.0.3", 53),
                addr("::1", 8853), addr("::2", 853)), c.to());
        assertNull(c.tlsClient(addr("127.0.0.3", 53)), "plain DNS stays plain");
        assertNull(c.tlsClient(addr("127.0.0.1", 853)).serverName(), "no name: the certificate must carry the IP");
        assertEquals("dns.example", c.tlsClient(addr("127.0.0.2", 10853)).serverName());
        assertEquals("v6.example", c.tlsClient(addr("::1", 8853)).serverName());

        ForwardConfig named = FORWARD.parse("forward . tls://127.0.0.1 {\n tls_servername dns.quad9.net\n}");
        assertEquals("dns.quad9.net", named.tlsClient(addr("127.0.0.1", 853)).serverName());
    }

    @Test
    void tlsOptionErrorsNameTheLine(@TempDir Path dir) throws Exception {
        FORWARD.fails("forward . tls://127.0.0.1%a.example {\n tls_servername b.example\n}", 2,
                "both forward ('b.example') and proxy level ('a.example') TLS servernames are set");
        FORWARD.fails("forward . 127.0.0.1 {\n tls a b c d\n}", 3, "Wrong argument count");
        FORWARD.fails("forward . tls://127.0.0.1 {\n\n tls " + dir.resolve("missing.pem") + "\n}", 4,
                "no such file or directory");
        Files.writeString(dir.resolve("junk.pem"), "not a certificate");
        FORWARD.fails("forward . tls://127.0.0.1 {\n tls " + dir.resolve("junk.pem") + "\n}", 3, "no PEM certificate");
        FORWARD.fails("forward . tls://127.0.0.1 {\n tls_servername\n}", 3, "Wrong argument count");
        FORWARD.fails("forward . tls://127.0.0.1 {\n tls_servername a..b\n}", 3, "invalid name");
        FORWARD.fails("forward . tls://127.0.0.1%", 2, "invalid TLS server name");
        FORWARD.fails("forward . 127.0.0.1 tls://127.0.0.1:53", 2, "listed both as plain DNS and as DNS over TLS");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            forward                                | 2 | Wrong argument count
            forward .                              | 2 | Wrong argument count
            forward . 127.0.0.1:99999              | 2 | invalid port
            forward . quic://127.0.0.1             | 2 | unsupported transport 'quic://'
            forward . not_a_host!                  | 2 | not an IP address or file
            forward . 127.0.0.1 {;foo;}            | 3 | unknown property 'foo'
            forward . 127.0.0.1 {;except;}         | 3 | Wrong argument count
            forward . 127.0.0.1 {;force_tcp yes;}  | 3 | Wrong argument count
            forward . 127.0.0.1 {;prefer_udp yes;} | 3 | Wrong argument count
            forward . 127.0.0.1 {;expire;}         | 3 | Wrong argument count
            forward . 127.0.0.1 {;expire -1s;}     | 3 | expire can't be negative
            forward . 127.0.0.1 {;expire 10;}      | 3 | missing unit in duration
            forward . 127.0.0.1 {;max_age -1s;}    | 3 | max_age can't be negative
            forward . 127.0.0.1 {;max_age 1s;}     | 3 | must not be less than expire
            forward . 127.0.0.1 {;max_idle_conns -1;} | 3 | strconv.ParseUint
            forward . 127.0.0.1 {;read_timeout 0;} | 3 | read_timeout must be positive
            forward . 127.0.0.1 {;max_fails -1;}   | 3 | strconv.ParseUint: parsing "-1": invalid syntax
            forward . 127.0.0.1 {;max_fails x;}    | 3 | invalid syntax
            forward . 127.0.0.1 {;max_fails 99999999999;} | 3 | value out of range
            forward . 127.0.0.1 {;max_connect_attempts x;} | 3 | strconv.ParseUint
            forward . 127.0.0.1 {;health_check;}   | 3 | Wrong argument count
            forward . 127.0.0.1 {;health_check 1;} | 3 | missing unit in duration
            forward . 127.0.0.1 {;health_check -1s;} | 3 | health_check can't be negative
            forward . 127.0.0.1 {;health_check 1s bogus;} | 3 | health_check: unknown option bogus
            forward . 127.0.0.1 {;health_check 1s domain;} | 3 | Wrong argument count
            forward . 127.0.0.1 {;health_check 1s domain a..b;} | 3 | health_check: invalid domain name a..b
            forward . 127.0.0.1 {;policy;}         | 3 | Wrong argument count
            forward . 127.0.0.1 {;policy fastest;} | 3 | unknown policy 'fastest'
            forward . 127.0.0.1 {;max_concurrent -1;} | 3 | max_concurrent can't be negative: -1
            forward . 127.0.0.1 {;max_concurrent many;} | 3 | strconv.Atoi
            forward . 127.0.0.1 {;next;}           | 3 | Wrong argument count
            forward . 127.0.0.1 {;next NXDOMAIN BOGUS;} | 3 | 'BOGUS' is not a valid rcode
            forward . 127.0.0.1 {;failover NOERROR;} | 3 | NoError cannot be used in failover
            forward . 127.0.0.1 {;failover WHAT;}  | 3 | 'WHAT' is not a valid rcode
            forward . 127.0.0.1 {;next_on_nodata x;} | 3 | Wrong argument count
            forward . 127.0.0.1 {;failfast_all_unhealthy_upstreams x;} | 3 | Wrong argument count
            forward . 127.0.0.1 {;forward_special_use off;} | 3 | Wrong argument count
            forward . 127.0.0.1 {;doh_method PUT;} | 3 | doh_method must be GET or POST
            forward . 127.0.0.1 {;source_address nope;} | 3 | source_address: invalid IP address
            forward . 127.0.0.1 {;resolver;}       | 3 | Wrong argument count
            forward . 127.0.0.1 {;resolver dns.example;} | 3 | not an IP address
            """)
    void invalidOptionsFailAtTheirLine(String body, int line, String fragment) {
        FORWARD.fails(body.replace(";", "\n"), line, fragment);
    }
}
