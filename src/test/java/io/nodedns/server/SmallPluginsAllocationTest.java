package io.nodedns.server;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LoopAllocations;
import io.nodedns.testing.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * nsid, local, any, chaos, acl, header and minimal together allocate nothing per query on the UDP
 * loop: every one of them answers or passes some of the queries, and the hooks (nsid appending an
 * OPT, header, minimal) run on the replies of the others. dns64 is there too, passing everything
 * (no AAAA query): what it costs blocks that use it for other types.
 */
class SmallPluginsAllocationTest {
    @Test
    void smallPluginsAllocateNothingOnTheLoop() throws Exception {
        int port = FreePorts.udpAndTcp();
        String corefile = """
                .:%d {
                    multisocket 1
                    nsid edge-1
                    local
                    dns64
                    any
                    chaos v1 alice bob
                    acl {
                        block type MX net 10.0.0.0/8
                        filter type TXT net 127.0.0.1
                    }
                    header {
                        response set ra
                        query set rd
                    }
                    minimal
                    hosts {
                        192.0.2.1 example.org
                    }
                }
                """.formatted(port);
        Message nsid = DnsClient.query("example.org", Type.A);
        nsid.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(EDNSOption.Code.NSID, new byte[0]))),
                Section.ADDITIONAL);
        byte[][] queries = {
                nsid.toWire(),
                DnsClient.query("version.bind", Type.TXT, DClass.CH).toWire(),
                DnsClient.query("example.org", Type.ANY).toWire(),
                DnsClient.query("localhost.example.org", Type.A).toWire(),
                DnsClient.query("example.org", Type.TXT).toWire(),
        };
        try (TestServer server = TestServer.fromText(corefile);
                LoopAllocations.Clients clients = new LoopAllocations.Clients(500, port)) {
            long loop = LoopAllocations.nativeLoopThread(server, port);
            LoopAllocations.QueryFor mix = (i, r) -> queries[(i + r) % queries.length];
            int lost = clients.rounds(60, mix); // warm-up: JIT, pools
            LoopAllocations.Result r = LoopAllocations.measure(loop, clients.kind("mixed", 40, mix)).plusLost(lost);
            System.out.println("small plugins, 20000-query windows: " + r);
            r.assertNothingAllocated();
        }
    }
}
