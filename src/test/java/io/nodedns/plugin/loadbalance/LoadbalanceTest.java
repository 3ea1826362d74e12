package io.nodedns.plugin.loadbalance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.server.Exchange;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LoopAllocations;
import io.nodedns.testing.TestServer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** CoreDNS plugin/loadbalance over real sockets (behind forward and behind hosts), and the hook's allocation. */
class LoadbalanceTest {
    private static final int ADDRESSES = 5;

    @TempDir
    Path dir;

    private static Message fiveAddresses(Message q) {
        Message r = FakeUpstream.replyTo(q, Rcode.NOERROR);
        try {
            Name cdn = Name.fromString("edge.cdn.example.net.");
            r.addRecord(new CNAMERecord(q.getQuestion().getName(), 1, 60, cdn), Section.ANSWER);
            for (int i = 1; i <= ADDRESSES; i++) {
                r.addRecord(new ARecord(cdn, 1, 60, InetAddress.getByName("192.0.2." + i)), Section.ANSWER);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return r;
    }

    private static Set<String> firstsOver(int queries, boolean tcp, DnsClient client, String name, int skip)
            throws Exception {
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < queries; i++) {
            Message q = DnsClient.query(name, Type.A);
            Message reply = tcp ? client.tcp(q) : client.udp(q);
            assertEquals(Rcode.NOERROR, reply.getRcode());
            List<Record> answers = reply.getSection(Section.ANSWER);
            Set<String> all = new TreeSet<>();
            for (Record r : answers.subList(skip, answers.size())) {
                all.add(r.rdataToString());
            }
            assertEquals(ADDRESSES, all.size(), "every record present: " + answers);
            firsts.add(answers.get(skip).rdataToString());
        }
        return firsts;
    }

    @Test
    void shufflesForwardedRepliesOverUdpAndTcp() throws Exception {
        try (FakeUpstream up = FakeUpstream.start().reply(LoadbalanceTest::fiveAddresses)) {
            int port = FreePorts.udpAndTcp();
            try (TestServer s = TestServer
                    .fromText(".:%d {\n loadbalance round_robin\n forward . %s\n}\n".formatted(port, up.hostPort()));
                    DnsClient client = new DnsClient(port)) {
                Message one = client.udp(DnsClient.query("www.example.org", Type.A));
                assertEquals(Type.CNAME, one.getSection(Section.ANSWER).getFirst().getType(), "CNAME stays first");
                assertTrue(firstsOver(60, false, client, "www.example.org", 1).size() >= 3, "UDP: first record varies");
                assertTrue(firstsOver(60, true, client, "www.example.org", 1).size() >= 3, "TCP: first record varies");
            }
        }
    }

    @Test
    void withoutLoadbalanceTheOrderIsFixed() throws Exception {
        try (FakeUpstream up = FakeUpstream.start().reply(LoadbalanceTest::fiveAddresses)) {
            int port = FreePorts.udpAndTcp();
            try (TestServer s = TestServer.fromText(".:%d {\n forward . %s\n}\n".formatted(port, up.hostPort()));
                    DnsClient client = new DnsClient(port)) {
                assertEquals(Set.of("192.0.2.1"), firstsOver(20, false, client, "www.example.org", 1));
            }
        }
    }

    @Test
    void shufflesHostsAnswers() throws Exception {
        StringBuilder file = new StringBuilder();
        for (int i = 1; i <= ADDRESSES; i++) {
            file.append("192.0.2.").append(i).append(" web.example.org\n");
        }
        Path hosts = Files.writeString(dir.resolve("hosts"), file);
        int port = FreePorts.udpAndTcp();
        try (TestServer s = TestServer.fromText(".:%d {\n loadbalance\n hosts %s\n}\n".formatted(port, hosts));
                DnsClient client = new DnsClient(port)) {
            assertTrue(firstsOver(60, false, client, "web.example.org", 0).size() >= 3);
            assertEquals(Rcode.SERVFAIL, client.udp(DnsClient.query("nope.example.org", Type.A)).getRcode(),
                    "errors pass untouched");
        }
    }

    /**
     * An exchange for www.example.org A holding its reply as the hook sees it: a CNAME to
     * edge.cdn.example.net and that name's five addresses (the allocation tests' reply).
     */
    static Exchange fiveAddressExchange() {
        Message q = DnsClient.query("www.example.org", Type.A);
        byte[] reply = fiveAddresses(q).toWire();
        Exchange ex = LoopAllocations.exchanges(List.of(q))[0];
        ex.response().putBytes(0, reply);
        ex.responseLength(reply.length);
        return ex;
    }

    /** The reply in {@code ex}, as dnsjava reads it. */
    static Message reply(Exchange ex) throws Exception {
        byte[] after = new byte[ex.responseLength()];
        ex.response().getBytes(0, after);
        return new Message(after);
    }

    @Test
    void hookAllocatesNothingPerReply() throws Exception {
        Exchange ex = fiveAddressExchange();
        LoadbalanceHandler lb = new LoadbalanceHandler(PreferredSubnets.NONE, null);
        LoopAllocations.calls("replies", 100_000, i -> lb.onResponse(ex)).assertNothingAllocated();
        assertEquals(ADDRESSES + 1, reply(ex).getSection(Section.ANSWER).size(),
                "still a valid reply after 400k shuffles or more");
    }
}
