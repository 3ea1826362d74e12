package io.nodedns.plugin.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.testing.SetupParse;
import org.junit.jupiter.api.Test;

/** prometheus's options parse into its config record (the metrics are PrometheusTest's). */
class PrometheusSetupTest {
    private static final SetupParse<PrometheusConfig> PROMETHEUS = SetupParse.of(".", "prometheus",
            PrometheusSetup::parse);

    @Test
    void parsesIntoItsConfig() throws Exception {
        assertEquals(new PrometheusConfig("localhost:9153", false), PROMETHEUS.parse("prometheus"));
        assertEquals(new PrometheusConfig(":9253", false), PROMETHEUS.parse("prometheus :9253"));
        assertEquals(new PrometheusConfig("127.0.0.1:9153", true),
                PROMETHEUS.parse("prometheus 127.0.0.1:9153 {\n runtime_metrics\n}"));
        assertEquals(new PrometheusConfig("localhost:9153", false), PROMETHEUS.parse("prometheus {\n}"));
    }

    @Test
    void errorsNameTheirLine() {
        PROMETHEUS.fails("prometheus :9153 extra", 2, "Wrong argument count");
        PROMETHEUS.fails("prometheus 9153", 2, "plugin/prometheus: invalid listen address '9153'");
        PROMETHEUS.fails("prometheus {\n runtime_metrics on\n}", 3, "Wrong argument count");
        PROMETHEUS.fails("prometheus {\n tls cert.pem\n}", 3,
                "plugin/prometheus: tls is not supported");
        PROMETHEUS.fails("prometheus {\n gauges\n}", 3,
                "plugin/prometheus: unknown property 'gauges'");
    }
}
