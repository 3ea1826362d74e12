package io.nodedns.plugin.minimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.plugin.Plugins;
import io.nodedns.server.PluginRegistry;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.ReplyPlugin;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** minimal over a real socket, on replies of the file plugin: positive answers lose authority and additional. */
class MinimalTest {
    @TempDir
    Path dir;

    private Path zone() throws Exception {
        return Files.writeString(dir.resolve("db.example.org"), """
                $ORIGIN example.org.
                $TTL 3600
                @       IN SOA  ns1 hostmaster 1 7200 3600 1209600 3600
                        IN NS   ns1
                ns1     IN A    192.0.2.53
                www     IN A    192.0.2.80
                mx      IN MX   10 ns1
                sub     IN NS   ns.sub
                ns.sub  IN A    192.0.2.99
                """);
    }

    @Test
    void positiveRepliesAreStripped() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path zone = zone();
        String corefile = "example.org:%d {\n%s file %s\n}\n";
        try (TestServer full = TestServer.fromText(corefile.formatted(port, "", zone));
                DnsClient client = new DnsClient(port)) {
            Message mx = client.udp(DnsClient.withEdns(DnsClient.query("mx.example.org", Type.MX), 1232, false));
            assertTrue(mx.getSection(Section.AUTHORITY).size() + mx.getSection(Section.ADDITIONAL).size() > 1,
                    "control: without minimal the reply has more than the answer: " + mx);
        }
        try (TestServer minimal = TestServer.fromText(corefile.formatted(port, " minimal\n", zone));
                DnsClient client = new DnsClient(port)) {
            Message mx = client.udp(DnsClient.withEdns(DnsClient.query("mx.example.org", Type.MX), 1232, false));
            assertEquals(Rcode.NOERROR, mx.getRcode());
            assertEquals(1, mx.getSection(Section.ANSWER).size(), mx.toString());
            assertEquals(0, mx.getSection(Section.AUTHORITY).size(), mx.toString());
            assertEquals(0, mx.getSection(Section.ADDITIONAL).size() - (mx.getOPT() == null ? 0 : 1),
                    "only the OPT stays: " + mx);
            assertTrue(mx.getOPT() != null, "the client's OPT is echoed");
            Message a = client.tcp(DnsClient.query("www.example.org", Type.A));
            assertEquals(1, a.getSection(Section.ANSWER).size());
            assertEquals(0, a.getSection(Section.AUTHORITY).size(), a.toString());

            Message nodata = client.udp(DnsClient.query("www.example.org", Type.TXT));
            assertEquals(Rcode.NOERROR, nodata.getRcode());
            assertEquals(Type.SOA, nodata.getSection(Section.AUTHORITY).getFirst().getType(), "NODATA keeps its SOA");
            Message nx = client.udp(DnsClient.query("nope.example.org", Type.A));
            assertEquals(Rcode.NXDOMAIN, nx.getRcode());
            assertEquals(Type.SOA, nx.getSection(Section.AUTHORITY).getFirst().getType(), "NXDOMAIN keeps its SOA");
            Message referral = client.udp(DnsClient.query("host.sub.example.org", Type.A));
            assertEquals(0, referral.getSection(Section.ANSWER).size(), referral.toString());
            assertEquals(Type.NS, referral.getSection(Section.AUTHORITY).getFirst().getType(),
                    "a delegation is kept whole");
        }
    }

    /** A zone transfer's reply is left whole (CoreDNS's minimal skips AXFR and IXFR); the control query is stripped. */
    @Test
    void zoneTransfersAreNotTouched() throws Exception {
        int port = FreePorts.udpAndTcp();
        List<String> order = new ArrayList<>(PluginRegistry.ORDER);
        order.add(Canned.NAME);
        PluginRegistry registry = Plugins.registerAll(new PluginRegistry(order)).register(Canned.NAME, ctx -> {
            ctx.once();
            ctx.addHandler(new Canned());
        });
        try (TestServer server = TestServer.fromText(".:" + port + " {\n minimal\n " + Canned.NAME + "\n}\n", registry);
                DnsClient client = new DnsClient(port)) {
            Message a = client.tcp(DnsClient.query("example.org", Type.A));
            assertEquals(0, a.getSection(Section.AUTHORITY).size() + a.getSection(Section.ADDITIONAL).size(),
                    "control: a positive answer is stripped: " + a);
            for (int type : new int[]{Type.AXFR, Type.IXFR}) {
                Message xfr = client.tcp(DnsClient.query("example.org", type));
                assertEquals(Rcode.NOERROR, xfr.getRcode(), xfr.toString());
                assertEquals(1, xfr.getSection(Section.AUTHORITY).size(), xfr.toString());
                assertEquals(1, xfr.getSection(Section.ADDITIONAL).size(), xfr.toString());
            }
        }
    }

    /** A stand-in that answers every query NOERROR with an A record, an NS in authority and its address in additional. */
    private static final class Canned extends ReplyPlugin {
        static final String NAME = "canned";

        Canned() {
            super(NAME, Canned::answer);
        }

        private static Message answer(Message query) {
            Name zone = query.getQuestion().getName();
            Message reply = FakeUpstream.replyTo(query, Rcode.NOERROR);
            try {
                Name ns = Name.fromString("ns", zone);
                reply.addRecord(new ARecord(zone, DClass.IN, 300, InetAddress.getByName("192.0.2.1")), Section.ANSWER);
                reply.addRecord(new NSRecord(zone, DClass.IN, 300, ns), Section.AUTHORITY);
                reply.addRecord(new ARecord(ns, DClass.IN, 300, InetAddress.getByName("192.0.2.53")),
                        Section.ADDITIONAL);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return reply;
        }
    }

    @Test
    void takesNoArguments() {
        SetupErrors.assertFails(". {\n minimal yes\n}\n", 2, "Wrong argument count");
    }
}
