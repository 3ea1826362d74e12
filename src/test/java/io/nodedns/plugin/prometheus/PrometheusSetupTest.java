package io.nodedns.plugin.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupErrors;
import org.junit.jupiter.api.Test;

/** prometheus's options parse into its config record (the metrics are PrometheusTest's). */
class PrometheusSetupTest {
    private static PrometheusConfig parse(String body) throws Exception {
        return PrometheusSetup.parse(SetupErrors.dispenser(".", body, "prometheus"));
    }

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new PrometheusConfig("localhost:9153", false), parse("prometheus"));
        assertEquals(new PrometheusConfig(":9253", false), parse("prometheus :9253"));
        assertEquals(new PrometheusConfig("127.0.0.1:9153", true),
                parse("prometheus 127.0.0.1:9153 {\n runtime_metrics\n}"));
        assertEquals(new PrometheusConfig("localhost:9153", false), parse("prometheus {\n}"));
    }

    @Test
    void errorsNameTheirLine() {
        SetupErrors.assertFails(() -> parse("prometheus :9153 extra"), 2, "Wrong argument count");
        SetupErrors.assertFails(() -> parse("prometheus 9153"), 2, "plugin/prometheus: invalid listen address '9153'");
        SetupErrors.assertFails(() -> parse("prometheus {\n runtime_metrics on\n}"), 3, "Wrong argument count");
        SetupErrors.assertFails(() -> parse("prometheus {\n tls cert.pem\n}"), 3,
                "plugin/prometheus: tls is not supported");
        SetupErrors.assertFails(() -> parse("prometheus {\n gauges\n}"), 3,
                "plugin/prometheus: unknown property 'gauges'");
    }
}
