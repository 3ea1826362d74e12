package io.nodedns.plugin.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.Readiness;
import io.nodedns.testing.FreePorts;
import io.nodedns.testing.LocalHttp;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.TestServer;
import io.nodedns.testing.Unmeasured;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@Unmeasured
class HealthReadyTest {
    @Test
    void healthParsesIntoItsConfig() throws Exception {
        assertEquals(new HealthConfig(":8080", Duration.ZERO),
                HealthSetup.parse(SetupErrors.dispenser(".", "health", "health")));
        assertEquals(new HealthConfig("127.0.0.1:9090", Duration.ofSeconds(5)),
                HealthSetup.parse(SetupErrors.dispenser(".", "health 127.0.0.1:9090 {\n lameduck 5s\n}", "health")));
        SetupErrors.assertFails(
                () -> HealthSetup.parse(SetupErrors.dispenser(".", "health {\n lameduck -1s\n}", "health")),
                3, "plugin/health: lameduck duration must be positive");
    }

    @Test
    void healthAndReadyAnswerAndSurviveReload() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int health = FreePorts.udpAndTcp();
        int ready = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n health 127.0.0.1:%d\n ready 127.0.0.1:%d\n whoami\n}\n".formatted(dns, health,
                ready);
        try (TestServer server = TestServer.fromText(corefile)) {
            HttpResponse<String> h = LocalHttp.get(health, "/health");
            assertEquals(200, h.statusCode());
            assertEquals("OK", h.body());
            HttpResponse<String> r = LocalHttp.get(ready, "/ready");
            assertEquals(200, r.statusCode());
            assertEquals("OK", r.body());
            assertEquals(404, LocalHttp.get(health, "/nope").statusCode());
        }
    }

    @Test
    void readyIs503WhileShuttingDownAndHealthStaysUpDuringLameDuck() throws Exception {
        int dns = FreePorts.udpAndTcp();
        int health = FreePorts.udpAndTcp();
        int ready = FreePorts.udpAndTcp();
        String corefile = ".:%d {\n health 127.0.0.1:%d {\n  lameduck 1s\n }\n ready 127.0.0.1:%d\n whoami\n}\n"
                .formatted(dns, health, ready);
        TestServer server = TestServer.fromText(corefile);
        Thread stopper = Thread.ofPlatform().start(server::close);
        Thread.sleep(300);
        assertEquals(200, LocalHttp.get(health, "/health").statusCode(), "health stays 200 in lame duck");
        HttpResponse<String> r = LocalHttp.get(ready, "/ready");
        assertEquals(503, r.statusCode());
        assertEquals("Shutting down", r.body());
        stopper.join(10_000);
    }

    @Test
    void readyListsPluginsThatAreNotReady() throws Exception {
        Readiness never = new Readiness() {
            @Override
            public String readinessName() {
                return "zzz";
            }

            @Override
            public boolean ready() {
                return false;
            }
        };
        Readiness also = new Readiness() {
            @Override
            public String readinessName() {
                return "aaa";
            }

            @Override
            public boolean ready() {
                return false;
            }
        };
        int dns = FreePorts.udpAndTcp();
        int ready = FreePorts.udpAndTcp();
        var registry = TestServer.registry();
        var base = registry.setup("whoami");
        registry.register("whoami", ctx -> {
            base.setup(ctx);
            ctx.addReadiness(never);
            ctx.addReadiness(also);
        });
        // Two blocks share the ready address: /ready asks the plugins of both.
        String twoBlocks = "a.example:%1$d {\n ready 127.0.0.1:%2$d\n}\nb.example:%1$d {\n ready 127.0.0.1:%2$d\n whoami\n}\n";
        try (TestServer server = TestServer.fromText(twoBlocks.formatted(dns, ready), registry)) {
            HttpResponse<String> r = LocalHttp.get(ready, "/ready");
            assertEquals(503, r.statusCode());
            assertEquals("aaa,zzz", r.body());
        }
    }

    @Test
    void malformedHealthAndReady() {
        SetupErrors.assertFails(".:53 {\n health :8080 :8081\n}\n", 2, "Wrong argument count");
        SetupErrors.assertFails(".:53 {\n health nohostport\n}\n", 2, "missing port");
        SetupErrors.assertFails(".:53 {\n health :8080 {\n  lameduck soon\n }\n}\n", 3, "lameduck");
        SetupErrors.assertFails(".:53 {\n health {\n  lame 1s\n }\n}\n", 3, "unknown property");
        SetupErrors.assertFails(".:53 {\n ready :x\n}\n", 2, "bad port");
        SetupErrors.assertFails(".:53 {\n ready {\n  monitor sometimes\n }\n}\n", 3, "monitor");
        SetupErrors.assertFails(".:53 {\n ready\n ready\n}\n", 3, "only be used once");
    }
}
