package io.nodedns.plugin.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.Version;
import io.nodedns.net.HostName;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** chaos over a real socket: the five CH TXT names, defaults, pass-through, and setup errors. */
class ChaosTest {
    private static List<String> texts(Message m) {
        return m.getSection(Section.ANSWER).stream().map(r -> ((TXTRecord) r).getStrings().getFirst()).toList();
    }

    @Test
    void answersTheFiveNamesWithVersionAuthorsAndHostname() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer
                .fromText(".:%d {\n chaos MyDNS-1.0 bob alice bob\n whoami\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            for (String name : List.of("version.bind", "VERSION.Server")) {
                Message m = client.udp(DnsClient.query(name, Type.TXT, DClass.CH));
                assertEquals(Rcode.NOERROR, m.getRcode());
                assertEquals(List.of("MyDNS-1.0"), texts(m), m.toString());
                Record answer = m.getSection(Section.ANSWER).getFirst();
                assertEquals(DClass.CH, answer.getDClass());
                assertEquals(0, answer.getTTL());
                assertEquals(m.getQuestion().getName(), answer.getName(), "owner keeps the client's case");
                assertFalse(m.getHeader().getFlag(Flags.AA));
            }
            Message authors = client.udp(DnsClient.query("authors.bind", Type.TXT, DClass.CH));
            assertEquals(Set.of("alice", "bob"), new TreeSet<>(texts(authors)), "sorted set, duplicates dropped");
            assertEquals(2, texts(authors).size());
            for (String name : List.of("hostname.bind", "id.server")) {
                assertEquals(List.of(HostName.get()), texts(client.udp(DnsClient.query(name, Type.TXT, DClass.CH))));
            }
            // other names, types and classes go to the next plugin
            for (Message q : List.of(DnsClient.query("other.bind", Type.TXT, DClass.CH),
                    DnsClient.query("version.bind", Type.A, DClass.CH), DnsClient.query("version.bind", Type.TXT))) {
                Message m = client.udp(q);
                assertEquals(0, m.getSection(Section.ANSWER).size(), "whoami answered " + q.getQuestion());
                assertEquals(2, m.getSection(Section.ADDITIONAL).size(), m.toString());
            }
        }
    }

    /** OpenShift's default Corefile ends with {@code hostname.bind:5353 { chaos }}. */
    @Test
    void openShiftBlockWithDefaults() throws Exception {
        int port = FreePorts.udpAndTcp();
        try (TestServer server = TestServer.fromText("""
                .:%1$d {
                    whoami
                }
                hostname.bind:%1$d {
                    chaos
                }
                """.formatted(port)); DnsClient client = new DnsClient(port)) {
            assertEquals(List.of(HostName.get()),
                    texts(client.udp(DnsClient.query("hostname.bind", Type.TXT, DClass.CH))));
            // the version and authors names are not in this block's zone: the root block gets them
            Message version = client.udp(DnsClient.query("version.bind", Type.TXT, DClass.CH));
            assertEquals(0, version.getSection(Section.ANSWER).size());
            assertTrue(client.udp(DnsClient.query("x.hostname.bind", Type.TXT, DClass.CH)).getRcode() == Rcode.SERVFAIL,
                    "no next plugin after chaos: SERVFAIL, as CoreDNS");
        }
        try (TestServer server = TestServer.fromText(".:%d {\n chaos\n}\n".formatted(port));
                DnsClient client = new DnsClient(port)) {
            assertEquals(List.of("nodedns-" + Version.get()),
                    texts(client.udp(DnsClient.query("version.bind", Type.TXT, DClass.CH))));
            assertEquals(ChaosSetup.DEFAULT_AUTHORS,
                    texts(client.udp(DnsClient.query("authors.bind", Type.TXT, DClass.CH))));
        }
    }

    @Test
    void longTextsAreCutTo255Bytes() {
        assertEquals(255, ChaosSetup.trim("x".repeat(300)).length());
        assertEquals(254,
                ChaosSetup.trim("x".repeat(254) + "é").getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                "a two-byte character that would straddle the limit is left out");
    }

    @Test
    void setupErrors() {
        SetupErrors.assertFails(". {\n chaos v1 {\n  x\n }\n}\n", 3, "plugin/chaos: takes no block");
        SetupErrors.assertFails(". {\n chaos\n chaos v2\n}\n", 3, "can only be used once per Server Block");
    }
}
