package io.nodedns.plugin.cache;

import io.nodedns.testing.CacheUpstream;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.xbill.DNS.Message;

/** A real server on loopback with {@code cache} in front of a counting test upstream, and a manual clock. */
final class CacheHarness implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();

    final CacheTestClock clock = new CacheTestClock();
    final CacheUpstream upstream;
    final int port;
    private final AtomicReference<CacheHandler> plugin = new AtomicReference<>();
    private final TestServer server;
    private final DnsClient client;

    /** {@code cacheDirective} is the whole directive, e.g. {@code "cache 10"} or a block. */
    CacheHarness(String cacheDirective) throws Exception {
        String id = "harness" + IDS.incrementAndGet();
        this.upstream = CacheUpstream.create(id);
        this.port = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n%s\ncacheupstream %s\n}\n".formatted(port, cacheDirective, id);
        this.server = TestServer.fromText(corefile, CacheUpstream.registry(new CacheSetup(clock, plugin::set)));
        this.client = new DnsClient(port);
    }

    CacheHandler plugin() {
        return plugin.get();
    }

    Message ask(String name, int type) throws IOException {
        return ask(DnsClient.query(name, type));
    }

    Message ask(Message query) throws IOException {
        Message reply = client.udp(query);
        if (reply == null) {
            throw new IOException("no reply for " + query.getQuestion());
        }
        return reply;
    }

    Message tcp(Message query) throws IOException {
        return client.tcp(query);
    }

    /** Waits up to 3 s for the upstream to have seen at least {@code n} queries. */
    boolean awaitQueries(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (upstream.queries() < n) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Waits for background refreshes to finish. */
    void awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (plugin().state.refreshes.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        client.close();
        server.close();
    }
}
