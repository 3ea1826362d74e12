package io.nodedns.plugin.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
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

    /** endingToTxtSlice cuts at 255 bytes of UTF-8, even inside a character. */
    @Test
    void txtStringsAreCutAfter255Bytes() throws Exception {
        byte[] accents = "\u00e9".repeat(200).getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of(new String(accents, 0, 255, StandardCharsets.ISO_8859_1),
                new String(accents, 255, 145, StandardCharsets.ISO_8859_1)),
                strings("x. 60 IN TXT \"" + "\u00e9".repeat(200) + "\""));
        assertEquals(List.of("a".repeat(201) + "\u00e9".repeat(27)),
                strings("x. 60 IN TXT \"" + "a".repeat(201) + "\u00e9".repeat(27) + "\"").stream()
                        .map(b -> new String(b.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)).toList(),
                "255 bytes are one string");
        assertEquals(2, strings("x. 60 IN TXT \"" + "a".repeat(202) + "\u00e9".repeat(27) + "\"").size());
    }

    /** A non-ASCII character is its UTF-8 bytes, quoted, unquoted or escaped (dnsjava alone encodes them twice). */
    @Test
    void nonAsciiIsItsUtf8Bytes() throws Exception {
        String e = "\u00c3\u00a9"; // the two bytes of é, one char each
        assertEquals(List.of(e, e, e, "a" + e + "\n"),
                strings("x. 60 IN TXT \"\u00e9\" \u00e9 \\\u00e9 \"a\\\u00e9\\\n\""));
    }

    /** scan.go fails a token or a comment of 2048 bytes or more (maxTok), quoted or not. */
    @Test
    void tokensOf2048BytesFailAsInMiekg() throws Exception {
        assertEquals(9, strings("x. 60 IN TXT \"" + "a".repeat(2047) + "\"").size());
        assertTokenTooLong("x. 60 IN TXT \"" + "a".repeat(2048) + "\"");
        assertTokenTooLong("x. 60 IN CAA 0 issue \"" + "a".repeat(2100) + "\"");
        assertTokenTooLong("x. 60 IN TXT \"" + "\u00e9".repeat(1024) + "\"");
        assertEquals(9, strings("x. 60 IN TXT \"a" + "\u00e9".repeat(1023) + "\"").size());
        String hex = "ab".repeat(1024);
        assertEquals(1023,
                TemplateReply.parse("x. 60 IN TYPE65534 \\# 1023 " + hex.substring(2)).rdataToWireCanonical().length,
                "2046 hex digits are one token");
        assertTokenTooLong("x. 60 IN TYPE65534 \\# 1024 " + hex);
        TemplateReply.parse("x. 60 IN A 192.0.2.1 ;" + "c".repeat(2046));
        IOException comment = assertThrows(IOException.class,
                () -> TemplateReply.parse("x. 60 IN A 192.0.2.1 ;" + "c".repeat(2047)));
        assertEquals("comment length insufficient for parsing", comment.getMessage());
    }

    private static void assertTokenTooLong(String text) {
        IOException e = assertThrows(IOException.class, () -> TemplateReply.parse(text));
        assertEquals("token length insufficient for parsing", e.getMessage());
    }
}
