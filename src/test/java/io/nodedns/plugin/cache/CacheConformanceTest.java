package io.nodedns.plugin.cache;

import static io.nodedns.plugin.cache.Replies.a;
import static io.nodedns.plugin.cache.Replies.answerA;
import static io.nodedns.plugin.cache.Replies.cname;
import static io.nodedns.plugin.cache.Replies.reply;
import static io.nodedns.plugin.cache.Replies.rrsig;
import static io.nodedns.plugin.cache.Replies.soa;
import static io.nodedns.plugin.cache.Replies.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.Unmeasured;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** CoreDNS: what is cached, CNAME rules, TTLs and key separation, over real sockets. */
@Unmeasured
class CacheConformanceTest {

    private static int ttl(Message m) {
        return (int) m.getSection(Section.ANSWER).getFirst().getTTL();
    }

    /** Asks twice; true if the second query did not reach the upstream. */
    private static boolean cached(CacheHarness h, Message query) throws Exception {
        int before = h.upstream.queries();
        h.ask(query.clone());
        h.ask(query.clone());
        return h.upstream.queries() == before + 1;
    }

    private static boolean cached(CacheHarness h, String name, int type) throws Exception {
        return cached(h, DnsClient.query(name, type));
    }

    @Test
    void positiveAnswerWithAdIsCachedAndAdShownOnlyToDoOrAdClients() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> {
                Message r = answerA(q, 300, "192.0.2.1");
                r.getHeader().setFlag(Flags.AD);
                return r;
            });
            Message first = h.ask("ad.example.org", Type.A);
            assertTrue(h.upstream.lastRequest().getHeader().getFlag(Flags.AD), "upstream is asked with AD=1");
            assertFalse(first.getHeader().getFlag(Flags.AD));
            assertFalse(h.ask("ad.example.org", Type.A).getHeader().getFlag(Flags.AD));
            Message adQuery = DnsClient.query("ad.example.org", Type.A);
            adQuery.getHeader().setFlag(Flags.AD);
            assertTrue(h.ask(adQuery).getHeader().getFlag(Flags.AD), "AD kept for a client that set AD");
            assertEquals(1, h.upstream.queries(), "AD does not partition the cache");
            assertEquals(2, h.plugin().state.successHits.sum());
            assertEquals(1, h.plugin().state.success.entries());
        }
    }

    @Test
    void differentCaseHitsTheSameEntryAndKeepsTheClientsCase() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> answerA(q, 300, "192.0.2.1"));
            h.ask("example.org", Type.A);
            Message hit = h.ask("ExAmPlE.org", Type.A);
            assertEquals(1, h.upstream.queries());
            assertEquals("ExAmPlE.org.", hit.getQuestion().getName().toString());
            assertEquals("192.0.2.1",
                    ((ARecord) hit.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress());
            Message tcpHit = h.tcp(DnsClient.query("EXAMPLE.ORG", Type.A));
            assertEquals("EXAMPLE.ORG.", tcpHit.getQuestion().getName().toString());
            assertEquals(1, h.upstream.queries());
        }
    }

    @Test
    void nxdomainWithSoaIsCachedForTheSoaRecordsTtl() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> with(reply(q, Rcode.NXDOMAIN), Section.AUTHORITY, soa("example.org", 120, 30)));
            Message first = h.ask("nx.example.org", Type.A);
            assertEquals(120, first.getSection(Section.AUTHORITY).getFirst().getTTL(), "SOA TTL, not its MINIMUM");
            h.clock.advanceSeconds(119);
            Message hit = h.ask("nx.example.org", Type.A);
            assertEquals(Rcode.NXDOMAIN, hit.getRcode());
            assertEquals(1, hit.getSection(Section.AUTHORITY).getFirst().getTTL());
            assertEquals(1, h.upstream.queries());
            assertEquals(1, h.plugin().state.denial.entries());
            h.clock.advanceSeconds(1);
            h.ask("nx.example.org", Type.A);
            assertEquals(2, h.upstream.queries());
        }
    }

    @Test
    void servfailAndNotimpAreCachedForFiveSeconds() throws Exception {
        for (int rcode : new int[]{Rcode.SERVFAIL, Rcode.NOTIMP}) {
            try (CacheHarness h = new CacheHarness("cache")) {
                h.upstream.answer(q -> reply(q, rcode));
                assertTrue(cached(h, "fail.example.org", Type.A), Rcode.string(rcode));
                assertEquals(rcode, h.ask("fail.example.org", Type.A).getRcode());
                h.clock.advanceSeconds(5);
                h.ask("fail.example.org", Type.A);
                assertEquals(2, h.upstream.queries(), "expired after 5 s");
            }
        }
    }

    @Test
    void dnssecAnswersCachedOnlyWithValidSignatures() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            Instant now = Instant.now();
            h.upstream.answer(q -> {
                boolean valid = q.getQuestion().getName().toString().startsWith("valid");
                Instant expire = valid ? now.plusSeconds(3600) : now.minusSeconds(60);
                Message r = answerA(q, 300, "192.0.2.1");
                r.addRecord(rrsig(q.getQuestion().getName().toString(), 300, expire, now.minusSeconds(7200)),
                        Section.ANSWER);
                r.addRecord(Replies.opt(true, List.of()), Section.ADDITIONAL);
                return r;
            });
            assertTrue(cached(h, DnsClient.withEdns(DnsClient.query("valid.example.org", Type.A), 4096, true)));
            assertFalse(cached(h, DnsClient.withEdns(DnsClient.query("expired.example.org", Type.A), 4096, true)));
        }
    }

    @Test
    void keyHoldsQtypeQclassDoAndCdButNotAd() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> {
                Message r = reply(q, Rcode.NOERROR);
                r.addRecord(
                        Record.newRecord(q.getQuestion().getName(), q.getQuestion().getType(),
                                q.getQuestion().getDClass(),
                                300, q.getQuestion().getType() == Type.A ? new byte[]{10, 0, 0, 1} : new byte[16]),
                        Section.ANSWER);
                return r;
            });
            h.ask("key.example.org", Type.A);
            h.ask("key.example.org", Type.AAAA);
            h.ask(DnsClient.query("key.example.org", Type.A, DClass.CH));
            h.ask(DnsClient.withEdns(DnsClient.query("key.example.org", Type.A), 4096, true));
            Message cd = DnsClient.query("key.example.org", Type.A);
            cd.getHeader().setFlag(Flags.CD);
            Message cdReply = h.ask(cd);
            assertTrue(cdReply.getHeader().getFlag(Flags.CD));
            assertEquals(5, h.upstream.queries(), "five different keys");
            Message ad = DnsClient.query("key.example.org", Type.A);
            ad.getHeader().setFlag(Flags.AD);
            h.ask(ad);
            h.ask(cd.clone());
            assertFalse(h.ask("key.example.org", Type.A).getHeader().getFlag(Flags.CD));
            assertEquals(5, h.upstream.queries(), "all of them cached; AD shares the plain entry");
        }
    }

    @Test
    void repliesThatAreNeverCached() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> {
                String n = q.getQuestion().getName().toString();
                Message r = answerA(q, 300, "192.0.2.1");
                switch (n.substring(0, n.indexOf('.'))) {
                    case "tc" -> r.getHeader().setFlag(Flags.TC);
                    case "nxnosoa" -> r = reply(q, Rcode.NXDOMAIN);
                    case "formerr" -> r = reply(q, Rcode.FORMERR);
                    case "refused" -> r = reply(q, Rcode.REFUSED);
                    case "qr0" -> r.getHeader().unsetFlag(Flags.QR);
                    case "nxcname" ->
                        r = with(reply(q, Rcode.NXDOMAIN), Section.ANSWER, cname(n, 300, "gone.example.org"));
                    case "dangling" -> r = with(reply(q, 0), Section.ANSWER, cname(n, 300, "other.example.org"));
                    case "foreign" -> r = with(reply(q, 0), Section.ANSWER, cname(n, 300, "b.example.org"),
                            a("unrelated.example.org", 300, "192.0.2.9"));
                    case "twotargets" -> r = with(reply(q, 0), Section.ANSWER, cname(n, 300, "b.example.org"),
                            cname(n, 300, "c.example.org"), a("b.example.org", 300, "192.0.2.2"));
                    case "loop" -> r = with(reply(q, 0), Section.ANSWER, cname(n, 300, "b.example.org"),
                            cname("b.example.org", 300, n), a("c.example.org", 300, "192.0.2.2"));
                    default -> {
                    }
                }
                return r;
            });
            for (String name : List.of("tc", "nxnosoa", "formerr", "refused", "qr0", "nxcname", "dangling", "foreign",
                    "twotargets", "loop")) {
                assertFalse(cached(h, name + ".example.org", Type.A), name);
            }
            Message nxcname = h.ask("nxcname.example.org", Type.A);
            assertEquals(5, nxcname.getSection(Section.ANSWER).getFirst().getTTL(), "TTLs still flattened to 5");
            assertEquals(0, h.plugin().state.success.entries() + h.plugin().state.denial.entries());
        }
    }

    @Test
    void questionMismatchIsSentButNotCachedAndCountedAsDrop() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> {
                boolean byName = q.getQuestion().getName().toString().startsWith("name");
                Message spoof = DnsClient.query(byName ? "evil.example.org" : q.getQuestion().getName().toString(),
                        byName ? Type.A : Type.AAAA);
                spoof.getHeader().setID(q.getHeader().getID());
                Message r = reply(spoof, 0);
                r.addRecord(
                        Record.newRecord(spoof.getQuestion().getName(), spoof.getQuestion().getType(), DClass.IN, 300,
                                byName ? new byte[]{1, 2, 3, 4} : new byte[16]),
                        Section.ANSWER);
                return r;
            });
            assertFalse(cached(h, "name.example.org", Type.A));
            assertFalse(cached(h, "type.example.org", Type.A));
            assertEquals(4, h.plugin().state.drops.sum());
        }
    }

    @Test
    void disableKeepsTheOtherKindCached() throws Exception {
        try (CacheHarness h = new CacheHarness(
                "cache {\n disable denial sub.example.org\n disable success other.org\n}")) {
            h.upstream.answer(q -> q.getQuestion().getName().toString().startsWith("nx")
                    ? with(reply(q, Rcode.NXDOMAIN), Section.AUTHORITY, soa("example.org", 60, 60))
                    : answerA(q, 300, "192.0.2.1"));
            assertFalse(cached(h, "nx.sub.example.org", Type.A));
            assertTrue(cached(h, "pos.sub.example.org", Type.A));
            assertTrue(cached(h, "nx.example.org", Type.A));
            assertFalse(cached(h, "pos.other.org", Type.A));
            assertTrue(cached(h, "nx.other.org", Type.A));
        }
    }

    @Test
    void cnameChainsThatAnswerAreCached() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> {
                String n = q.getQuestion().getName().toString();
                return switch (n.substring(0, n.indexOf('.'))) {
                    case "chain" -> with(reply(q, 0), Section.ANSWER, cname(n, 300, "b.example.org"),
                            cname("b.example.org", 300, "c.example.org"), a("c.example.org", 300, "192.0.2.3"));
                    case "unordered" -> with(reply(q, 0), Section.ANSWER, a("c.example.org", 300, "192.0.2.3"),
                            cname("b.example.org", 300, "c.example.org"), cname(n, 300, "b.example.org"));
                    case "lone" -> with(reply(q, 0), Section.ANSWER, cname(n, 300, "b.example.org"));
                    case "nodata" -> with(with(reply(q, 0), Section.ANSWER, cname(n, 300, "b.example.org")),
                            Section.AUTHORITY, soa("example.org", 60, 60));
                    default -> null;
                };
            });
            assertTrue(cached(h, "chain.example.org", Type.A));
            assertTrue(cached(h, "unordered.example.org", Type.A));
            assertTrue(cached(h, "lone.example.org", Type.CNAME), "CNAME query");
            assertTrue(cached(h, "lone.example.org", Type.ANY), "ANY answered by a lone CNAME");
            assertEquals(4, h.plugin().state.success.entries());
            assertTrue(cached(h, "nodata.example.org", Type.A), "CNAME chain plus SOA");
            assertEquals(1, h.plugin().state.denial.entries(), "stored as NODATA");
            assertEquals(60, ttl(h.ask("nodata.example.org", Type.A)));
        }
    }

    @Test
    void ttlRules() throws Exception {
        try (CacheHarness h = new CacheHarness("cache 10")) {
            h.upstream.answer(q -> q.getQuestion().getName().toString().startsWith("short")
                    ? answerA(q, 1, "192.0.2.1")
                    : answerA(q, 86400, "192.0.2.1"));
            assertEquals(10, ttl(h.ask("long.example.org", Type.A)), "capped at cache TTL");
            assertEquals(10, ttl(h.ask("long.example.org", Type.A)));
            assertEquals(5, ttl(h.ask("short.example.org", Type.A)), "raised to the minimum");
            assertEquals(5, ttl(h.ask("short.example.org", Type.A)));
        }
        try (CacheHarness h = new CacheHarness("cache {\n success 10000 7200\n}")) {
            h.upstream.answer(q -> answerA(q, 86400, "192.0.2.1"));
            assertEquals(7200, ttl(h.ask("long.example.org", Type.A)));
        }
        try (CacheHarness h = new CacheHarness("cache {\n success 10000 3600 0\n}")) {
            h.upstream.answer(q -> answerA(q, 0, "192.0.2.1"));
            assertFalse(cached(h, "zero.example.org", Type.A), "MINTTL 0 and TTL 0");
            assertEquals(0, ttl(h.ask("zero.example.org", Type.A)));
        }
        try (CacheHarness h = new CacheHarness("cache {\n servfail 0\n}")) {
            h.upstream.answer(q -> reply(q, Rcode.SERVFAIL));
            assertFalse(cached(h, "fail.example.org", Type.A));
        }
    }

    @Test
    void keepttlServesTheStoredTtlUnchanged() throws Exception {
        try (CacheHarness h = new CacheHarness("cache {\n keepttl\n}")) {
            h.upstream.answer(q -> answerA(q, 120, "192.0.2.1"));
            h.ask("keep.example.org", Type.A);
            h.clock.advanceSeconds(100);
            assertEquals(120, ttl(h.ask("keep.example.org", Type.A)));
            assertEquals(1, h.upstream.queries());
        }
    }

    @Test
    void ttlDecrementsWithAgeOnEveryRecord() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> with(answerA(q, 300, "192.0.2.1"), Section.ADDITIONAL,
                    a("extra.example.org", 900, "192.0.2.2")));
            Message first = h.ask("age.example.org", Type.A);
            assertEquals(300, first.getSection(Section.ADDITIONAL).getFirst().getTTL(), "flattened to the minimum");
            h.clock.advance(Duration.ofMillis(3900));
            Message hit = h.ask("age.example.org", Type.A);
            assertEquals(297, ttl(hit));
            assertEquals(297, hit.getSection(Section.ADDITIONAL).getFirst().getTTL());
            h.clock.advanceSeconds(290);
            assertEquals(7, ttl(h.ask("age.example.org", Type.A)));
            assertEquals(1, h.upstream.queries());
        }
    }

    @Test
    void emptyNoerrorWithoutSoaIsNotCachedButDelegationsAreForFiveSeconds() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> q.getQuestion().getName().toString().startsWith("deleg")
                    ? with(reply(q, 0), Section.AUTHORITY, Replies.ns("deleg.example.org", 86400))
                    : reply(q, 0));
            // RFC 2308 5 (issue 18 item 8): a negative answer without SOA is not cached; CoreDNS keeps it 5 s.
            assertFalse(cached(h, "empty.example.org", Type.A));
            assertEquals(0, h.plugin().state.denial.entries() + h.plugin().state.success.entries());
            Message deleg = h.ask("deleg.example.org", Type.A);
            assertEquals(5, deleg.getSection(Section.AUTHORITY).getFirst().getTTL());
            h.ask("deleg.example.org", Type.A);
            assertEquals(3, h.upstream.queries());
            h.clock.advanceSeconds(5);
            h.ask("deleg.example.org", Type.A);
            assertEquals(4, h.upstream.queries());
        }
    }

    @Test
    void queriesOutsideTheCacheZonesPassStraightThrough() throws Exception {
        try (CacheHarness h = new CacheHarness("cache 10 example.org")) {
            h.upstream.answer(q -> answerA(q, 300, "192.0.2.1"));
            assertFalse(cached(h, "www.example.net", Type.A));
            assertEquals(300, ttl(h.ask("www.example.net", Type.A)), "not even TTL-capped");
            assertEquals(0, h.plugin().state.requests.sum());
            assertTrue(cached(h, "www.EXAMPLE.org", Type.A));
        }
    }

    @Test
    void hitsDoNotSetAa() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> {
                Message r = answerA(q, 300, "192.0.2.1");
                r.getHeader().setFlag(Flags.AA);
                return r;
            });
            assertTrue(h.ask("aa.example.org", Type.A).getHeader().getFlag(Flags.AA), "the upstream's own reply");
            Message hit = h.ask("aa.example.org", Type.A);
            assertFalse(hit.getHeader().getFlag(Flags.AA));
            assertTrue(hit.getHeader().getFlag(Flags.RA));
            assertTrue(hit.getHeader().getFlag(Flags.RD));
        }
    }

    @Test
    void endToEndEdnsAndTtls() throws Exception {
        try (CacheHarness h = new CacheHarness("cache 10")) {
            h.upstream.answer(q -> answerA(q, 3600, "192.0.2.1"));
            for (int i = 0; i < 2; i++) {
                Message withDo = h.ask(DnsClient.withEdns(DnsClient.query("edns.example.org", Type.A), 4096, true));
                assertNotNull(withDo.getOPT(), "OPT back, round " + i);
                assertEquals(4096, withDo.getOPT().getPayloadSize());
                assertTrue((withDo.getOPT().getFlags() & Flags.DO) != 0);
                assertEquals(10, ttl(withDo));
                Message plain = h.ask("edns.example.org", Type.A);
                assertNull(plain.getOPT(), "no OPT without EDNS, round " + i);
            }
            assertEquals(2, h.upstream.queries(), "DO and non-DO are two entries");
        }
    }

    @Test
    void upstreamEdeAndNsidSurviveCachingButCookiesDoNot() throws Exception {
        try (CacheHarness h = new CacheHarness("cache")) {
            h.upstream.answer(q -> with(answerA(q, 300, "192.0.2.1"), Section.ADDITIONAL, Replies.opt(false, List.of(
                    new org.xbill.DNS.ExtendedErrorCodeOption(org.xbill.DNS.ExtendedErrorCodeOption.STALE_ANSWER,
                            "old"),
                    new org.xbill.DNS.NSIDOption("up-1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                    new org.xbill.DNS.CookieOption(new byte[8], new byte[16])))));
            Message miss = h.ask(DnsClient.withEdns(DnsClient.query("opt.example.org", Type.A), 1232, false));
            Message hit = h.ask(DnsClient.withEdns(DnsClient.query("opt.example.org", Type.A), 1232, false));
            assertEquals(1, h.upstream.queries());
            for (Message m : List.of(miss, hit)) {
                List<Integer> codes = m.getOPT().getOptions().stream().map(o -> o.getCode()).toList();
                assertEquals(List.of(15, 3), codes, m.toString());
            }
            assertNull(h.ask("opt.example.org", Type.A).getOPT(), "a client without EDNS gets no OPT");
        }
    }
}
