package io.nodedns.plugin.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nodedns.server.Exchange;
import io.nodedns.testing.LoopAllocations;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rendering as Go's text/template renders CoreDNS's templateData; RE2 regexes as Go matches them. */
class GoTemplateTest {
    private static final GoTemplate.Data DATA = data(new Exchange(512));

    private static GoTemplate.Data data(Exchange ex) {
        return new GoTemplate.Data("example.", "ip-10-1-2-3.example.", "re", "IN", "A", "192.0.2.1",
                new String[]{"ip-10-1-2-3.example.", "1", ""},
                Map.of("0", "ip-10-1-2-3.example.", "b", "1", "hex", "7b",
                        "label", "kubernetes/namespace", "kind", "kubernetes/kind"),
                ex);
    }

    private static String render(String text) throws GoTemplate.Failure {
        return GoTemplate.parse(text).execute(DATA);
    }

    /** CoreDNS's templateData.Meta: the label's value; "" for a label nobody published or without metadata. */
    @Test
    void metaReadsTheLabelsOfTheQuery() throws Exception {
        Exchange ex = LoopAllocations.metadataExchange("web.team.svc.cluster.local.");
        ex.metadata("kubernetes/namespace", "team");
        ex.metadata("kubernetes/kind", "svc");
        ex.metadata("test/port", "0x50");
        GoTemplate.Data withMetadata = data(ex);
        String text = "{{ .Meta \"kubernetes/namespace\" }}|{{ .Meta `nosuch/label` }}|{{ .Meta .Group.label }}"
                + "|{{ .Meta (index .Group \"kind\") }}|{{ parseInt (.Meta \"test/port\") 0 16 }}|{{ (.Meta \"kubernetes/kind\") }}";
        assertEquals("team||team|svc|80|svc", GoTemplate.parse(text).execute(withMetadata));
        assertEquals("|||||", GoTemplate.parse(text.replace("{{ parseInt (.Meta \"test/port\") 0 16 }}", ""))
                .execute(DATA), "no metadata plugin: every label is empty");
        GoTemplate.Failure missing = assertThrows(GoTemplate.Failure.class,
                () -> GoTemplate.parse("{{ .Meta .Group.nosuch }}").execute(withMetadata));
        assertEquals("invalid value; expected string", missing.getMessage(),
                "Go's error for a missing group as argument");
    }

    @Test
    void fieldsIndexParseIntCommentsAndTrim() throws Exception {
        assertEquals("ip-10-1-2-3.example. 60 IN A 10.1",
                render("{{ .Name }} 60 {{.Class}} {{ .Type }} 10.{{ .Group.b }}"));
        assertEquals("example. re 192.0.2.1", render("{{ .Zone }} {{ .Regex }} {{ .Remote }}"));
        assertEquals("1|1|", render("{{ index .Match 1 }}|{{ index .Group \"b\" }}|{{ index .Match 2 }}"));
        assertEquals("123 255 18446744073709551615", render(
                "{{ parseInt .Group.hex 16 8 }} {{ parseInt \"0xff\" 0 0 }} {{ parseInt `ffffffffffffffff` 16 64 }}"));
        assertEquals("1", render("{{ index .Match (parseInt .Group.b 10 8) }}"));
        assertEquals("ab", render("a {{- /* why */ -}} b"));
        assertEquals("a  b", render("a {{/* x */}} b"));
        assertEquals("<no value>|", render("{{ .Group.missing }}|{{ index .Group \"missing\" }}"),
                "as Go prints a missing key");
        assertEquals("x-3", render("x{{ -3 }}"));
    }

    @Test
    void runtimeFailuresAsGoReportsThem() {
        GoTemplate.Failure range = assertThrows(GoTemplate.Failure.class, () -> render("{{ index .Match 3 }}"));
        assertEquals("error calling index: index out of range: 3", range.getMessage());
        GoTemplate.Failure syntax = assertThrows(GoTemplate.Failure.class, () -> render("{{ parseInt .Name 16 8 }}"));
        assertEquals("strconv.ParseUint: parsing \"ip-10-1-2-3.example.\": invalid syntax", syntax.getMessage());
        GoTemplate.Failure big = assertThrows(GoTemplate.Failure.class, () -> render("{{ parseInt \"256\" 10 8 }}"));
        assertEquals("strconv.ParseUint: parsing \"256\": value out of range", big.getMessage());
        assertThrows(GoTemplate.Failure.class, () -> render("{{ parseInt \"1\" 1 8 }}"));
        assertThrows(GoTemplate.Failure.class, () -> render("{{ parseInt \"-1\" 10 8 }}"));
    }

    @Test
    void regexTranslation() {
        GoRegex r = GoRegex.compile("(^|[.])ip-(?P<a_1>[0-9]*)-(?:x)?(?<b>[[:digit:]]+)[.]example[.]$");
        java.util.regex.Matcher m = r.pattern.matcher("foo.ip-10-20.example.");
        assertEquals(true, m.find());
        assertEquals("10", m.group(2));
        assertEquals("a_1", r.groupNames[2]);
        assertEquals("b", r.groupNames[3]);
        assertEquals("20", m.group(3));
        assertEquals(true, GoRegex.compile("^[]a]{1}x{").pattern.matcher("]x{").find(),
                "literal ] first in a class, literal {");
        assertEquals(true, GoRegex.compile("[a[]").pattern.matcher("[").find(), "[ is literal inside a class");
        assertEquals(false, GoRegex.compile("[a&&b]").pattern.matcher("c").find());
        assertEquals(true, GoRegex.compile("[a&&b]").pattern.matcher("&").find(), "&& is literal in RE2");
        assertEquals(true, GoRegex.compile("\\Q(?=\\E").pattern.matcher("(?=").find());
        assertEquals(true, GoRegex.compile("a\\.b\\d\\v").pattern.matcher("a.b1\u000B").find());
        assertEquals(false, GoRegex.compile("\\v").pattern.matcher("\n").find(), "\\v is only VT in RE2");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GoRegex.compile("a\\R"));
        assertEquals("invalid escape sequence: \\R", e.getMessage());
    }
}
