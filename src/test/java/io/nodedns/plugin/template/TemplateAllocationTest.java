package io.nodedns.plugin.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.config.Corefile;
import io.nodedns.server.Exchange;
import io.nodedns.server.Handler;
import io.nodedns.server.Instance;
import io.nodedns.server.Result;
import io.nodedns.server.Shared;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.LoopAllocations;
import io.nodedns.testing.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A block with templates costs its other queries nothing: names outside the templates' zones and
 * types no template covers pass on, and an rcode-only template without match (kubespray's and
 * kops's AAAA blocks) writes its reply in place, all without allocating.
 */
class TemplateAllocationTest {
    @Test
    void passingOnAndRcodeOnlyRepliesAllocateNothing() throws Exception {
        String corefile = """
                example.org {
                  template ANY AAAA {
                    rcode NXDOMAIN
                  }
                  template IN A other.example.org {
                    match ^ip-(?P<a>[0-9]+)[.]
                    answer "{{ .Name }} 60 IN A 10.0.0.{{ .Group.a }}"
                  }
                  template IN TXT msg.example.org {
                    answer "{{ .Name }} 60 IN TXT \\"{{ .Message }}\\""
                  }
                  hosts {
                    10.0.0.1 www.example.org
                  }
                }
                """;
        var registry = TestServer.registry();
        Instance instance = Instance.build(Corefile.parse("Corefile", corefile, registry::isKnown, k -> null), registry,
                new Shared(), 53);
        Handler chain = instance.configs().getFirst().handlers().getFirst();
        assertInstanceOf(TemplateHandler.class, chain);
        List<Message> queries = List.of(DnsClient.query("WWW.example.org", Type.A),
                DnsClient.query("x.example.org", Type.AAAA),
                DnsClient.query("www.example.org", Type.AAAA));
        Exchange[] exchanges = LoopAllocations.exchanges(queries);
        for (Exchange ex : exchanges) {
            assertEquals(Result.WRITTEN, chain.serve(ex));
        }
        assertEquals("hosts", exchanges[0].writer(), "A passed on");
        byte[] reply = new byte[exchanges[1].responseLength()];
        exchanges[1].response().getBytes(0, reply);
        assertEquals(Rcode.NXDOMAIN, new Message(reply).getRcode());
        LoopAllocations.serve(chain, exchanges).assertNothingAllocated();

        // A rendered answer allocates (regex groups, the record's text, a dnsjava message): bounded, and
        // printed for docs/plugins/template.md.
        Exchange[] rendered = LoopAllocations.exchanges(List.of(DnsClient.query("ip-7.other.example.org", Type.A)));
        rendered[0].client().set(new java.net.InetSocketAddress("127.0.0.1", 5353));
        assertEquals(Result.WRITTEN, chain.serve(rendered[0]));
        byte[] answer = new byte[rendered[0].responseLength()];
        rendered[0].response().getBytes(0, answer);
        assertEquals("10.0.0.7",
                new Message(answer).getSection(org.xbill.DNS.Section.ANSWER).getFirst().rdataToString());
        double perAnswer = LoopAllocations.serve(8 * 1024, chain, rendered).worst(0);
        System.out.printf("template: %.0f bytes allocated per rendered answer%n", perAnswer);
        assertTrue(perAnswer < 8 * 1024, "allocated " + perAnswer + " bytes per rendered answer");

        // .Message as dig asks (RD, EDNS with a cookie): the Msg.String text on top of a rendered answer
        Message dig = DnsClient.query("who.msg.example.org", Type.TXT);
        dig.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0, 0,
                List.of(new org.xbill.DNS.GenericEDNSOption(10, new byte[8]))), org.xbill.DNS.Section.ADDITIONAL);
        Exchange[] message = LoopAllocations.exchanges(List.of(dig));
        message[0].client().set(new java.net.InetSocketAddress("127.0.0.1", 5353));
        assertEquals(Result.WRITTEN, chain.serve(message[0]));
        assertEquals("template", message[0].writer());
        double perMessage = LoopAllocations.serve(16 * 1024, chain, message).worst(0);
        System.out.printf("template: %.0f bytes allocated per answer quoting .Message%n", perMessage);
        assertTrue(perMessage < 16 * 1024, "allocated " + perMessage + " bytes per answer quoting .Message");
    }
}
