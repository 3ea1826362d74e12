package io.nodedns.plugin.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.nodedns.testing.SetupErrors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Corefile parsing of every rule form; malformed lines fail with file:line. */
class RewriteSetupTest {

    private static String block(String line) {
        return ". {\n whoami\n " + line + "\n}\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "rewrite name foo.example.com foo.default.svc.cluster.local",
            "rewrite stop name exact a.org b.org",
            "rewrite continue name prefix foo bar",
            "rewrite name suffix .schmoogle.com. .google.com. answer auto",
            "rewrite name substring service.us-west-1.example.org service.us-west-1.consul",
            "rewrite name regex (.*)-(us-west-1)\\.example\\.org {1}.service.{2}.consul answer auto",
            "rewrite name regex (.*)\\.a\\.org {1}.b.org answer name (.*)\\.b\\.org {1}.a.org value (.*)\\.c\\. {1}.d.",
            "rewrite name exact RED BLUE answer value (.*)\\.blue\\. {1}.red.",
            "rewrite type ANY HINFO",
            "rewrite class CH IN",
            "rewrite ttl example.com. 30-300",
            "rewrite ttl example.com. -30",
            "rewrite ttl example.com. 30-",
            "rewrite ttl regex (.*)\\.coredns\\.rocks 15",
            "rewrite rcode regex (.*)\\.coredns\\.rocks SERVFAIL NOERROR",
            "rewrite rcode example.org 2 0",
            "rewrite edns0 local set 0xffee 0x61626364",
            "rewrite edns0 local append 0xffee abcd revert",
            "rewrite edns0 local replace 65518 {client_ip}",
            "rewrite edns0 local unset 0xffee",
            "rewrite edns0 nsid set",
            "rewrite edns0 nsid unset",
            "rewrite edns0 subnet set 24 56",
            "rewrite edns0 subnet replace 0 0 revert",
            "rewrite edns0 subnet unset",
            "rewrite continue {\n  ttl regex (.*)\\.coredns\\.rocks 15\n }",
            "rewrite stop {\n  name regex (.*)-(us-west-1)\\.coredns\\.rocks {1}.service.{2}.consul\n"
                    + "  answer name (.*)\\.service\\.(us-west-1)\\.consul {1}-{2}.coredns.rocks\n }",
    })
    void acceptsEveryDocumentedForm(String line) {
        assertDoesNotThrow(() -> SetupErrors.build(block(line)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "rewrite | no rule type specified",
            "rewrite continue | continue rule must begin with a rule type",
            "rewrite stop | stop rule must begin with a rule type",
            "rewrite bogus a b | invalid rule type \"bogus\"",
            "rewrite answer auto | response rewrites must begin with a name rule",
            "rewrite name a.org | too few arguments for a name rule",
            "rewrite name fuzzy a.org b.org | name rule supports only exact, prefix, suffix, substring, and regex",
            "rewrite name regex ([a-z a.org | invalid regex matching pattern",
            "rewrite name regex (.*)\\.a\\.org {2}.b.org | uses more subexpressions",
            "rewrite name exact a.org b.org auto x | exceeded the number of arguments",
            "rewrite name exact a.org b.org answer | invalid arguments for name rule",
            "rewrite name exact a.org b.org answer bogus x y | invalid type \"bogus\" for answer rule",
            "rewrite name exact a.org b.org answer name (.*) | 2 arguments required",
            "rewrite name prefix a b answer auto answer name (.*) x | cannot be combined",
            "rewrite name exact a..org b.org | invalid domain name",
            "rewrite type MX | type rules must have exactly two arguments",
            "rewrite type MX BOGUS | invalid type \"BOGUS\"",
            "rewrite class XX IN | invalid class \"XX\"",
            "rewrite ttl example.com | too few (1) arguments for a ttl rule",
            "rewrite ttl example.com abc | invalid TTL 'abc'",
            "rewrite ttl example.com - | invalid TTL '-'",
            "rewrite ttl example.com 300-30 | invalid TTL '300-30'",
            "rewrite ttl fuzzy example.com 30 | ttl rule supports only exact",
            "rewrite ttl exact example.com 30 40 | too many arguments for a ttl rule",
            "rewrite rcode example.org NXDOMAIN | too few (2) arguments for a rcode rule",
            "rewrite rcode example.org BOGUS NOERROR | invalid matching RCODE 'BOGUS'",
            "rewrite rcode example.org NXDOMAIN 99 | invalid replacement RCODE '99'",
            "rewrite edns0 local | too few arguments for an EDNS0 rule",
            "rewrite edns0 local frob 0xffee abc | invalid action: \"frob\"",
            "rewrite edns0 local set 0xffee | EDNS0 local rules require three or four args",
            "rewrite edns0 local set 0x1ffff abc | invalid EDNS0 option code",
            "rewrite edns0 local set 0xffee 0xzz | encoding/hex",
            "rewrite edns0 local set 0xffee {bogus} | unsupported variable name",
            "rewrite edns0 local unset | local unset action requires exactly 2 arguments",
            "rewrite edns0 nsid set x | EDNS0 NSID rules can accept no more than one arg",
            "rewrite edns0 subnet set 33 56 | invalid IPv4 bit mask length 33",
            "rewrite edns0 subnet set 24 129 | invalid IPv6 bit mask length 129",
            "rewrite edns0 subnet unset 24 | subnet unset action requires exactly 1 argument",
            "rewrite edns0 bogus set 1 | invalid rule type \"bogus\"",
            "rewrite cname a.org | too few (1) arguments for a cname rule",
            "rewrite cname | too few (0) arguments for a cname rule",
            "rewrite cname fuzzy a.org b.org | unknown cname rewrite type: fuzzy",
            "rewrite cname exact a.org b.org c.org | too many (4) arguments for a cname rule",
            "rewrite cname regex ([a-z a.org | invalid regex matching pattern",
            "rewrite cname regex (.*)\\.a\\.org {2}.b.org | uses more subexpressions",
            "rewrite cname exact a..org b.org | invalid domain name",
    })
    void rejectsMalformedLinesAtTheirLine(String line, String fragment) {
        SetupErrors.assertFails(block(line), 3, "plugin/rewrite: ");
        SetupErrors.assertFails(block(line), 3, fragment.strip());
    }

    @Test
    void errorsInsideABlockPointAtTheBlockLine() {
        SetupErrors.assertFails(". {\n whoami\n rewrite stop {\n  name regex (.*) {1}.x\n  answer bogus\n }\n}\n", 5,
                "invalid type \"bogus\" for answer rule");
        SetupErrors.assertFails(". {\n whoami\n rewrite name a.org b.org\n rewrite ttl a.org x\n}\n", 4, "invalid TTL");
    }

    @Test
    void ttlRangesParseAsCoreDns() {
        assertArrayEquals(new long[]{30, 300}, MatchRules.ttlRange("30-300"));
        assertArrayEquals(new long[]{0, 30}, MatchRules.ttlRange("-30"));
        assertArrayEquals(new long[]{30, 2147483647L}, MatchRules.ttlRange("30-"));
        assertArrayEquals(new long[]{15, 15}, MatchRules.ttlRange("15"));
        assertNull(MatchRules.ttlRange("1-2-3"));
        assertNull(MatchRules.ttlRange("4294967296"));
    }
}
