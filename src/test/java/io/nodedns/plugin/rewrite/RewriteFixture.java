package io.nodedns.plugin.rewrite;

import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import org.xbill.DNS.Message;

/** A nodedns with the given rewrite lines in front of a forward to a loopback fake upstream. */
final class RewriteFixture implements AutoCloseable {
    final FakeUpstream upstream;
    final TestServer server;
    final DnsClient client;

    RewriteFixture(String rewriteLines) throws Exception {
        this(rewriteLines, "");
    }

    RewriteFixture(String rewriteLines, String extraLines) throws Exception {
        upstream = FakeUpstream.start();
        int port = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n%s\n%s\n forward . %s\n}\n".formatted(port, rewriteLines, extraLines,
                upstream.hostPort());
        server = TestServer.fromText(corefile);
        client = new DnsClient(port);
    }

    Message ask(Message query) throws IOException {
        Message reply = client.udp(query);
        if (reply == null) {
            throw new AssertionError("no reply to " + query.getQuestion());
        }
        return reply;
    }

    /** The last client query the upstream saw. */
    Message lastUpstreamQuery() {
        var queries = upstream.queries().stream().filter(q -> !q.isProbe()).toList();
        if (queries.isEmpty()) {
            throw new AssertionError("the upstream saw no query");
        }
        return queries.getLast().message();
    }

    @Override
    public void close() {
        client.close();
        server.close();
        upstream.close();
    }
}
