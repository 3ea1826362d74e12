package io.nodedns.plugin.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.Fallthrough;
import io.nodedns.testing.SetupParse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The template directive's syntax: every property, valid and invalid, with the error's file:line. */
class TemplateSetupTest {
    private static final SetupParse<TemplateRule> TEMPLATE = SetupParse.of("example.org", "template",
            d -> TemplateSetup.parse(d, List.of("example.org.")));

    @Test
    void rcodeOnlyTemplatesAsKubesprayAndKopsWriteThem() throws Exception {
        TemplateRule r = TEMPLATE.parse("template ANY AAAA {\n rcode NXDOMAIN\n}");
        assertEquals(255, r.qclass());
        assertEquals(28, r.qtype());
        assertEquals(List.of("example.org."), r.zones(), "the block's zones");
        assertEquals(3, r.rcode());
        assertTrue(r.bare());
        assertTrue(r.regexes().isEmpty(), "no match line: every name");
        assertEquals(Fallthrough.NEVER, r.fallthrough());
    }

    /** CoreDNS reads the type with miekg/dns v1.1.50's StringToType: its names, exact case. */
    @Test
    void typesAreMiekgDnsStringToType() throws Exception {
        assertEquals(0, TEMPLATE.parse("template IN None").qtype());
        assertEquals(100, TEMPLATE.parse("template IN UINFO").qtype());
        assertEquals(23, TEMPLATE.parse("template IN NSAP-PTR").qtype());
        assertEquals(32769, TEMPLATE.parse("template IN DLV").qtype());
        assertEquals(65535, TEMPLATE.parse("template IN Reserved").qtype());
    }

    @Test
    void rcodeNamesAreMiekgDnsStringToRcodeInExactCase() throws Exception {
        assertEquals(4, TEMPLATE.parse("template ANY AAAA {\n rcode NOTIMPL\n}").rcode());
        assertEquals(11, TEMPLATE.parse("template ANY AAAA {\n rcode DSOTYPENI\n}").rcode());
        TEMPLATE.fails("template IN A {\n rcode nxdomain\n}", 3, "unknown rcode nxdomain");
        TEMPLATE.fails("template IN A {\n rcode BADVERS\n}", 3, "extended rcode");
    }

    @Test
    void classMnemonicsAreMiekgDnsInExactCaseAndReadBackTheSame() throws Exception {
        String[] names = {"IN", "CS", "CH", "HS", "NONE", "ANY"};
        int[] classes = {1, 2, 3, 4, 254, 255};
        for (int i = 0; i < names.length; i++) {
            TemplateRule r = TEMPLATE.parse("template " + names[i] + " A {\n rcode NXDOMAIN\n}");
            assertEquals(classes[i], r.qclass(), names[i]);
            assertEquals(names[i], TemplateHandler.classText(classes[i], r), "{{ .Class }} of class " + classes[i]);
        }
        assertEquals("", TemplateHandler.classText(5, TEMPLATE.parse("template IN A {\n rcode NXDOMAIN\n}")),
                "a class miekg/dns has no name for");
    }

    @Test
    void oneLineBlock() throws Exception {
        TemplateRule r = TEMPLATE.parse("template ANY AAAA { rcode NXDOMAIN }");
        assertEquals(3, r.rcode());
    }

    @Test
    void everyProperty() throws Exception {
        TemplateRule r = TEMPLATE.parse("""
                template IN A example.com Other.NET. {
                  match ^(?P<a>[0-9]*)[.]ip[.] "^x[.]"
                  answer "{{ .Name }} 60 IN A 10.0.0.{{ .Group.a }}" "{{ .Name }} 60 IN A 10.0.1.{{ index .Match 1 }}"
                  additional "ns.{{ .Zone }} 60 IN A {{ parseInt .Group.a 16 8 }}"
                  authority "{{ .Zone }} 60 {{ .Class }} SOA ns. host. (1 60 60 60 60)"
                  rcode NOERROR
                  ederror 21 "Blocked according to RFC2606"
                  fallthrough in-addr.arpa
                }""");
        assertEquals(List.of("example.com.", "other.net."), r.zones());
        assertEquals(2, r.regexes().size());
        assertEquals(java.util.Arrays.asList(null, "a"), java.util.Arrays.asList(r.regexes().getFirst().groupNames));
        assertEquals(2, r.answer().size());
        assertEquals(1, r.additional().size());
        assertEquals(1, r.authority().size());
        assertEquals(21, r.edeCode());
        assertEquals("Blocked according to RFC2606", r.edeReason());
        assertEquals(List.of("in-addr.arpa."), r.fallthrough().zones());
        TemplateRule bare = TEMPLATE.parse("template CH TXT {\n ederror 15\n fallthrough\n}");
        assertEquals(3, bare.qclass());
        assertNull(bare.edeReason());
        assertEquals(Fallthrough.ALWAYS, bare.fallthrough());
    }

    @Test
    void invalidLinesNameFileAndLine() {
        TEMPLATE.fails("template", 2, "Wrong argument count");
        TEMPLATE.fails("template IN", 2, "Wrong argument count");
        TEMPLATE.fails("template in A", 2, "invalid query class in");
        TEMPLATE.fails("template IN aaaa", 2, "invalid RR type aaaa");
        TEMPLATE.fails("template IN TYPE65000", 2, "invalid RR type TYPE65000");
        TEMPLATE.fails("template IN WKS", 2, "invalid RR type WKS"); // not in miekg/dns v1.1.50's StringToType
        TEMPLATE.fails("template IN NONE", 2, "invalid RR type NONE");
        TEMPLATE.fails("template IN A {\n rcode\n}", 3, "Wrong argument count");
        TEMPLATE.fails("template IN A {\n rcode NXDOMAIN SERVFAIL\n}", 3, "unknown property 'SERVFAIL'");
        TEMPLATE.fails("template IN A {\n rcode nope\n}", 3, "unknown rcode nope");
        TEMPLATE.fails("template IN A {\n rcode BADCOOKIE\n}", 3, "extended rcode");
        TEMPLATE.fails("template IN A {\n ederror\n}", 3, "Wrong argument count");
        TEMPLATE.fails("template IN A {\n ederror 1 a b\n}", 3, "Wrong argument count");
        TEMPLATE.fails("template IN A {\n ederror x\n}", 3, "extended DNS error code x");
        TEMPLATE.fails("template IN A {\n ederror 70000\n}", 3, "extended DNS error code 70000");
        TEMPLATE.fails("template IN A {\n match\n}", 3, "Wrong argument count");
        TEMPLATE.fails("template IN A {\n answer\n}", 3, "Wrong argument count");
        TEMPLATE.fails("template IN A {\n bogus 1\n}", 3, "unknown property 'bogus'");
        TEMPLATE.fails("template IN A {\n upstream\n}", 3, "upstream is not supported");
        TEMPLATE.fails("template IN A {\n var x 1\n}", 3, "var is not supported");
        TEMPLATE.fails("template IN A {\n expr true\n}", 3, "expr is not supported");
    }

    @Test
    void badRegexesAreErrorsAtTheirLine() {
        TEMPLATE.fails("template IN A {\n\n match \"([a-z]\"\n}", 4, "could not parse regex: ([a-z]");
        TEMPLATE.fails("template IN A {\n match (a)\\1\n}", 3, "backreferences");
        TEMPLATE.fails("template IN A {\n match \"a(?=b)\"\n}", 3, "invalid or unsupported Perl syntax");
        TEMPLATE.fails("template IN A {\n match \"a*+\"\n}", 3, "invalid nested repetition operator");
        TEMPLATE.fails("template IN A {\n match \"(?U)a*\"\n}", 3, "ungreedy");
        TEMPLATE.fails("template IN A {\n match \"(?P<a>x)(?P<a>y)\"\n}", 3, "duplicate capture group name");
    }

    @Test
    void unsupportedTemplateConstructsAreNamed() {
        String[][] cases = {
                {"{{ .Name | printf \\\"%s\\\" }}", "pipelines (|) are not supported"},
                {"{{ $x := .Name }}", "template variables ($) are not supported"},
                {"{{ if .Name }}x{{ end }}", "{{ if }} is not supported"},
                {"{{ range .Match }}x{{ end }}", "{{ range }} is not supported"},
                {"{{ printf \\\"%s\\\" .Name }}", "function printf is not supported"},
                {"{{ len .Match }}", "function len is not supported"},
                {"{{ nosuch .Name }}", "function \\\"nosuch\\\" not defined"},
                {"{{ .Message.Extra }}", ".Message.Extra is not supported"},
                {"{{ .Message.Nope }}", "can't evaluate field Nope in type *dns.Msg"},
                {"{{ .Message.Id.x }}", "can't evaluate field x in type uint16"},
                {"{{ .Question.Foo }}", "can't evaluate field Foo in type *dns.Question"},
                {"{{ index .Match .Message.Id }}", ".Message.Id as an argument is not supported"},
                {"{{ .Meta .Question }}", ".Question as an argument is not supported"},
                {"{{ .Meta }}", "wrong number of args for Meta: want 1 got 0"},
                {"{{ .Meta \\\"a/b\\\" \\\"c/d\\\" }}", "wrong number of args for Meta: want 1 got 2"},
                {"{{ .Meta.x }}", "wrong number of args for Meta: want 1 got 0"},
                {"{{ parseInt .Meta 10 8 }}", "wrong number of args for Meta: want 1 got 0"},
                {"{{ .Meta 1 }}", "expected string; found 1"},
                {"{{ .Meta .Match }}", "expected string; got []string"},
                {"{{ .Meta (parseInt .Group.a 10 8) }}", "expected string; got uint64"},
                {"{{ .Nope }}", "can't evaluate field Nope"},
                {"{{ .Name.Foo }}", "can't evaluate field Foo of .Name"},
                {"{{ .Match }}", "printing .Match as a whole is not supported"},
                {"{{ . }}", "the whole template data"},
                {"{{ .Name .Zone }}", "can't give argument to non-function"},
                {"{{ index .Match \\\"a\\\" }}", "index of .Match needs an integer key"},
                {"{{ index .Group 1 }}", "index of .Group needs a string key"},
                {"{{ parseInt .Group.a .Zone 8 }}", "integer constants for base and bit size"},
                {"{{ .Name ", "unclosed action"},
                {"{{ }}", "missing value for command"},
                {"{{ 1.5 }}", "integers only"},
        };
        for (String[] c : cases) {
            TEMPLATE.fails("template IN A {\n answer \"" + c[0] + "\"\n}", 3, c[1].replace("\\\"", "\""));
        }
    }
}
