package io.nodedns.plugin.rewrite;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.EscapedLabel;
import io.nodedns.testing.FakeUpstream;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Name rules match the text CoreDNS 1.10.1's rewrite matches: the question as request.Name()
 * writes it and a reply's names as miekg/dns unpacks them, with miekg/dns's escapes
 * ({@link EscapedLabel}). Each pattern below matches that text and not dig's.
 */
class RewriteNameTextTest {
    private static String upstreamQuestion(RewriteFixture f, String name) throws Exception {
        Message reply = f.ask(DnsClient.query(name, Type.A));
        assertEquals(name + ".", reply.getQuestion().getName().toString(), "question restored");
        return f.lastUpstreamQuery().getQuestion().getName().toString();
    }

    @Test
    void regexPrefixSuffixAndSubstringMatchTheNameAsCoreDnsWritesIt() throws Exception {
        String rules = """
                 rewrite name regex ^%s[.]re[.]test[.]$ matched.re.test.
                 rewrite name prefix "a\\ b\\'$\\@\\007.pre" x
                 rewrite name suffix \\'$\\@\\007.suf.test. .ok.test.
                 rewrite name substring b\\'$\\@\\007.sub x
                """.formatted(EscapedLabel.COREDNS_LOWER_REGEX);
        try (RewriteFixture f = new RewriteFixture(rules)) {
            assertAll(() -> assertEquals("matched.re.test.", upstreamQuestion(f, EscapedLabel.DIG + ".re.test")),
                    // FROM and TO get a final dot (CoreDNS's Normalize): "a\\ b\\'$\\@\\007.pre." -> "x."
                    () -> assertEquals("x.test.", upstreamQuestion(f, EscapedLabel.DIG + ".pre.test")),
                    () -> assertEquals("a\\032b.ok.test.", upstreamQuestion(f, EscapedLabel.DIG + ".suf.test")),
                    () -> assertEquals("a\\032x.test.", upstreamQuestion(f, EscapedLabel.DIG + ".sub.test")));
        }
    }

    /** {@code answer name} and {@code answer value} regexes see the reply's owner and CNAME target as CoreDNS does. */
    @Test
    void answerRulesMatchOwnersAndTargetsAsCoreDnsWritesThem() throws Exception {
        String rules = """
                 rewrite stop {
                  name regex ^(.*)[.]ans[.]test[.]$ {1}.up.test.
                  answer name ^(%1$s)[.]up[.]test[.]$ {1}.ans.test.
                  answer value ^(%1$s)[.]t[.]test[.]$ {1}.v.test.
                 }
                """.formatted(EscapedLabel.COREDNS_LOWER_REGEX);
        try (RewriteFixture f = new RewriteFixture(rules)) {
            Name target = Name.fromString(EscapedLabel.DIG.replace('A', 'a') + ".t.test.");
            f.upstream.reply(q -> {
                Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
                r.addRecord(new CNAMERecord(q.getQuestion().getName(), 1, 30, target), Section.ANSWER);
                return r;
            });
            Message reply = f.ask(DnsClient.query(EscapedLabel.DIG + ".ans.test", Type.A));
            String label = EscapedLabel.DIG.replace('A', 'a');
            assertEquals(label + ".up.test.", f.lastUpstreamQuery().getQuestion().getName().toString());
            CNAMERecord cname = (CNAMERecord) reply.getSection(Section.ANSWER).getFirst();
            // dnsjava's Name.equals ignores case (the server gives the owner the client's case)
            assertAll(() -> assertEquals(Name.fromString(label + ".ans.test."), cname.getName(), "answer name"),
                    () -> assertEquals(Name.fromString(label + ".v.test."), cname.getTarget(), "answer value"));
        }
    }
}
