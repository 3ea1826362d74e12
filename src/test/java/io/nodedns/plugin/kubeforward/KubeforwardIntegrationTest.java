package io.nodedns.plugin.kubeforward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.nodedns.k8s.WatcherRegistry;
import io.nodedns.k8stest.KubeClients;
import io.nodedns.k8stest.ResourceType;
import io.nodedns.plugin.forward.ForwardHandler;
import io.nodedns.server.Readiness;
import io.nodedns.testing.DnsClient;
import io.nodedns.testing.FakeUpstream;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import io.nodedns.upstream.Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** kubeforward end to end: stand-in API server, loopback fake upstreams, real DNS sockets. */
@Timeout(60)
class KubeforwardIntegrationTest extends KubeforwardFixture {

    /** A slice with one endpoint per upstream; ready/serving null leaves the condition unset. */
    static JsonObject slice(String name, String type, int port, Boolean ready, Boolean serving, String... ips) {
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", "discovery.k8s.io/v1");
        o.addProperty("kind", "EndpointSlice");
        JsonObject meta = new JsonObject();
        meta.addProperty("name", name);
        meta.addProperty("namespace", "kube-system");
        JsonObject labels = new JsonObject();
        labels.addProperty("kubernetes.io/service-name", "kube-dns");
        meta.add("labels", labels);
        o.add("metadata", meta);
        o.addProperty("addressType", type);
        JsonArray eps = new JsonArray();
        for (String ip : ips) {
            JsonObject ep = new JsonObject();
            JsonArray addrs = new JsonArray();
            addrs.add(ip);
            ep.add("addresses", addrs);
            JsonObject cond = new JsonObject();
            if (ready != null) {
                cond.addProperty("ready", ready);
            }
            if (serving != null) {
                cond.addProperty("serving", serving);
            }
            ep.add("conditions", cond);
            eps.add(ep);
        }
        o.add("endpoints", eps);
        JsonArray ports = new JsonArray();
        JsonObject p = new JsonObject();
        p.addProperty("name", "dns");
        p.addProperty("protocol", "UDP");
        p.addProperty("port", port);
        ports.add(p);
        JsonObject other = new JsonObject(); // a second port the selection must skip
        other.addProperty("name", "metrics");
        other.addProperty("protocol", "TCP");
        other.addProperty("port", 9153);
        ports.add(other);
        o.add("ports", ports);
        return o;
    }

    static JsonObject slice(String name, FakeUpstream up, Boolean ready) {
        return slice(name, "IPv4", up.port(), ready, null, up.address().getAddress().getHostAddress());
    }

    List<String> upstreams() {
        return Arrays.stream(forward().table().get()).map(Upstream::address).map(x -> x.getAddress().getHostAddress()
                + ":" + x.getPort()).sorted().toList();
    }

    boolean ready() {
        return server.server().current().readiness().stream().filter(r -> r.readinessName().equals("kubeforward"))
                .allMatch(Readiness::ready);
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    void awaitUpstreams(FakeUpstream... ups) throws InterruptedException {
        List<String> want = Arrays.stream(ups).map(FakeUpstream::hostPort).sorted().toList();
        await("upstreams " + want + ", have " + upstreams(), () -> upstreams().equals(want));
    }

    /** Sends n queries; all must be answered NOERROR. */
    void query(int n) throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            for (int i = 0; i < n; i++) {
                Message r = client.udp(DnsClient.query("q" + i + ".example.org", Type.A));
                assertNotNull(r, "reply " + i);
                assertEquals(Rcode.NOERROR, r.getRcode());
            }
        }
    }

    void clearAll() {
        a.clear();
        b.clear();
        c.clear();
    }

    int rcode() throws Exception {
        try (DnsClient client = new DnsClient(port)) {
            long t0 = System.nanoTime();
            Message r = client.udp(DnsClient.query("x.example.org", Type.A));
            assertNotNull(r);
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "answered at once");
            return r.getRcode();
        }
    }

    @Test
    void queriesGoToExactlyTheReadyEndpoints() throws Exception {
        api.create(slice("s-a", a, true));
        api.create(slice("s-b", b, null)); // unset ready counts as ready
        startServer("");
        await("ready", this::ready);
        awaitUpstreams(a, b);
        query(10);
        assertEquals(5, a.clientQueries());
        assertEquals(5, b.clientQueries());

        JsonObject notReady = slice("s-b", b, false);
        api.update(withRv(notReady, "s-b"));
        api.create(slice("s-c", c, true));
        awaitUpstreams(a, c);
        clearAll();
        query(10);
        assertEquals(5, a.clientQueries());
        assertEquals(0, b.clientQueries());
        assertEquals(5, c.clientQueries());

        api.delete(ResourceType.ENDPOINT_SLICES, "kube-system", "s-a");
        awaitUpstreams(c);
        clearAll();
        query(4);
        assertEquals(0, a.clientQueries() + b.clientQueries());
        assertEquals(4, c.clientQueries());
    }

    JsonObject withRv(JsonObject o, String name) {
        JsonObject cur = api.get(ResourceType.ENDPOINT_SLICES, "kube-system", name);
        o.getAsJsonObject("metadata").add("resourceVersion", cur.getAsJsonObject("metadata").get("resourceVersion"));
        return o;
    }

    @Test
    void servingEndpointsWhenNoneIsReady() throws Exception {
        api.create(slice("s-a", "IPv4", a.port(), false, true, "127.0.0.2"));
        api.create(slice("s-b", "IPv4", b.port(), false, false, "127.0.0.3"));
        api.create(slice("s-f", "FQDN", c.port(), true, null, "dns.example.org"));
        startServer("");
        awaitUpstreams(a);
        query(3);
        assertEquals(3, a.clientQueries());
        assertEquals(0, b.clientQueries() + c.clientQueries());
    }

    @Test
    void beforeTheFirstSyncServfailAtOnceAndNotReady() throws Exception {
        api.stop();
        startServer("");
        assertEquals(Rcode.SERVFAIL, rcode());
        assertFalse(ready());
        api.create(slice("s-a", a, true));
        api.start(); // same port: the informer syncs on its next retry
        await("ready", this::ready);
        awaitUpstreams(a);
        query(2);
        assertEquals(2, a.clientQueries());
    }

    @Test
    void beforeTheFirstSyncTheFallbackAnswers() throws Exception {
        api.stop();
        startServer("  fallback " + c.hostPort() + "\n");
        assertEquals(Rcode.NOERROR, rcode());
        assertEquals(1, c.clientQueries());
        assertFalse(ready());
    }

    @Test
    void zeroUsableEndpointsAfterSyncUseTheFallback() throws Exception {
        api.create(slice("s-a", a, false));
        startServer("  fallback " + c.hostPort() + "\n");
        await("ready", this::ready);
        awaitUpstreams(c);
        query(2);
        assertEquals(2, c.clientQueries());
        assertEquals(0, a.clientQueries());
    }

    @Test
    void apiServerOutageKeepsTheLastEndpointsAndCatchesUpAfterwards() throws Exception {
        api.create(slice("s-a", a, true));
        startServer("");
        awaitUpstreams(a);
        api.stop();
        Thread.sleep(300);
        query(3);
        assertEquals(3, a.clientQueries());
        assertTrue(ready(), "ready stays true through an outage");
        api.create(slice("s-b", b, true)); // changed while the server is down
        api.start();
        awaitUpstreams(a, b);
        clearAll();
        query(4);
        assertEquals(2, a.clientQueries());
        assertEquals(2, b.clientQueries());
    }

    @Test
    void snapshotIsWrittenAndUsedOnARestartWithTheApiServerDown() throws Exception {
        Path snap = dir.resolve("state/kube-dns.endpoints");
        api.create(slice("s-a", a, true));
        api.create(slice("s-b", b, true));
        startServer("  snapshot " + snap + "\n");
        awaitUpstreams(a, b);
        await("snapshot", () -> Files.exists(snap));
        List<String> lines = Files.readAllLines(snap).stream().filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of(a.hostPort(), b.hostPort()), lines);
        server.close();
        server = null;

        api.stop();
        clearAll();
        long t0 = System.nanoTime();
        startServer("  snapshot " + snap + "\n  fallback " + c.hostPort() + "\n");
        long started = System.nanoTime();
        Message first;
        try (DnsClient client = new DnsClient(port)) {
            first = client.udp(DnsClient.query("first.example.org", Type.A));
        }
        long answered = System.nanoTime();
        assertNotNull(first, "answered from the snapshot with the API server down");
        assertEquals(Rcode.NOERROR, first.getRcode());
        System.out.printf("[TEST] restart with the API server down: server up %.1f ms after start, first query"
                + " answered from the snapshot %.1f ms after start (%.2f ms round trip)%n",
                (started - t0) / 1e6, (answered - t0) / 1e6, (answered - started) / 1e6);
        assertTrue(answered - t0 < 1_000_000_000L, "answers at once, not after an API timeout");
        assertEquals(1, a.clientQueries() + b.clientQueries(), "the first query went to a snapshot endpoint");
        assertEquals(List.of(a.hostPort(), b.hostPort()), upstreams(), "snapshot before fallback");
        assertTrue(ready(), "a snapshot read at start holds the last known endpoints: ready");
        clearAll();
        query(4);
        assertEquals(2, a.clientQueries());
        assertEquals(2, b.clientQueries());
        assertEquals(0, c.clientQueries());
    }

    @Test
    void ipv6EndpointsAreUsed() throws Exception {
        FakeUpstream v6;
        try {
            v6 = FakeUpstream.start("::1");
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback: " + e);
            return;
        }
        try (v6) {
            api.create(slice("s-6", "IPv6", v6.port(), true, null, "::1"));
            api.create(slice("s-4", a, true));
            Path snap = dir.resolve("v6.endpoints");
            startServer("  snapshot " + snap + "\n");
            await("two upstreams", () -> forward().table().size() == 2);
            query(4);
            assertEquals(2, v6.clientQueries());
            assertEquals(2, a.clientQueries());
            await("snapshot", () -> Files.exists(snap));
            assertTrue(Files.readString(snap).contains("[::1]:" + v6.port()), Files.readString(snap));
        }
    }

    @Test
    void blocksForTheSameServiceShareOneWatcher() throws Exception {
        api.create(slice("s-a", a, true));
        Path kc = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
        port = FreePorts.udpAndTcp();
        String block = " kubeforward {\n  namespace kube-system\n  service_name kube-dns\n  port_name dns\n  kubeconfig "
                + kc + "\n }\n";
        server = TestServer.fromText(
                "a.example:" + port + " {\n" + block + "}\nb.example:" + port + " {\n" + block + "}\n",
                TestServer.registry().register("kubeforward", new KubeforwardSetup(Map.of())));
        WatcherRegistry reg = server.server().shared().state(WatcherRegistry.KEY, k -> new WatcherRegistry());
        assertEquals(1, reg.size());
        await("ready", this::ready);
        await("both blocks", () -> server.server().current().configs().stream().allMatch(cfg -> cfg.handlers().stream()
                .anyMatch(h -> h instanceof ForwardHandler f && f.table().size() == 1)));
    }
}
