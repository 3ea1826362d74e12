package io.nodedns.plugin.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.CAARecord;
import org.xbill.DNS.TXTRecord;

/** Rendered records read as miekg/dns's NewRR reads them (scan.go, scan_rr.go), where dnsjava's reader differs. */
class TemplateReplyTest {
    /** The TXT's strings as bytes (dnsjava's getStrings escapes them). */
    private static List<String> strings(String text) throws Exception {
        return ((TXTRecord) TemplateReply.parse(text)).getStringsAsByteArrays().stream()
                .map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
    }

    /** The zone lexer keeps a line break inside quotes; TXT cuts a quoted string past 255 characters into 255s. */
    @Test
    void quotedLineBreaksAndLongTxtStringsReadAsMiekgReadsThem() throws Exception {
        List<String> txt = strings("x. 60 IN TXT \"a\nb\r\" \"c\"");
        assertEquals(List.of("a\nb\r", "c"), txt);
        String long300 = "y".repeat(200) + "\\\"" + "z".repeat(98);
        List<String> cut = strings("x. 60 IN TXT \"" + long300 + "\" \"short\"");
        // 200 y, the two characters of the escape and 53 z make the first 255
        assertEquals(List.of("y".repeat(200) + "\"" + "z".repeat(53), "z".repeat(45), "short"), cut);
        assertEquals(List.of("t".repeat(255)),
                strings("txt.example. 60 IN TXT \"" + "t".repeat(255) + "\""),
                "255 is not cut");
        assertEquals(List.of("y".repeat(254) + "\"", "z".repeat(55)),
                strings("x. 60 IN TXT \"" + "y".repeat(254) + "\\\"" + "z".repeat(55) + "\""),
                "an escape across the cut stays whole (miekg/dns would cut it)");
        CAARecord caa = (CAARecord) TemplateReply.parse("x. 60 IN CAA 0 issue \"c\nd\"");
        assertEquals("0 issue \"c\\010d\"", caa.rdataToString(),
                "only TXT and SPF strings are cut; line breaks stay in any quotes");
    }
}
