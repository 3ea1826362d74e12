package io.nodedns.plugin.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.config.ConfigException;
import io.nodedns.testing.SetupErrors;
import io.nodedns.testing.SetupParse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** trace's Corefile syntax: CoreDNS's endpoint forms and defaults, and clear errors for what nodedns lacks. */
class TraceSetupTest {
    private static final SetupParse<TraceConfig> TRACE = SetupParse.of(".", "trace",
            d -> TraceSetup.parse(d, null, 53));

    @Test
    void endpointsAndDefaultsAsCoreDns() throws ConfigException {
        TraceConfig c = TRACE.parse("trace");
        assertEquals("http://localhost:9411/api/v2/spans", c.endpoint().toString());
        assertEquals(1, c.every());
        assertEquals("coredns", c.service());
        assertEquals(1000, c.maxBacklog());
        assertEquals(100, c.maxBatch());
        assertEquals(Duration.ofSeconds(1), c.batchInterval());
        assertEquals("http://tracinghost:9253/api/v2/spans",
                TRACE.parse("trace tracinghost:9253").endpoint().toString());
        assertEquals("http://tracinghost:9253/api/v2/spans",
                TRACE.parse("trace ZIPKIN tracinghost:9253").endpoint().toString());
        assertEquals("http://tracinghost:9411/zipkin/api/v2/spans",
                TRACE.parse("trace http://tracinghost:9411/zipkin/api/v2/spans").endpoint().toString());
        TraceConfig all = TRACE.parse(
                "trace tracinghost:9411 {\n every 10000\n service dnsproxy\n zipkin_max_backlog_size 50\n"
                        + " zipkin_max_batch_size 10\n zipkin_max_batch_interval 250ms\n }");
        assertEquals(10000, all.every());
        assertEquals("dnsproxy", all.service());
        assertEquals(50, all.maxBacklog());
        assertEquals(10, all.maxBatch());
        assertEquals(Duration.ofMillis(250), all.batchInterval());
    }

    @Test
    void unsupportedInputFailsAtItsLine() {
        SetupErrors.assertFails(". {\n trace datadog localhost:8126\n whoami\n}\n", 2, "Datadog agent protocol");
        SetupErrors.assertFails(". {\n trace {\n  client_server\n }\n whoami\n}\n", 3,
                "client_server is not supported");
        SetupErrors.assertFails(". {\n trace {\n  datadog_analytics_rate 0.5\n }\n whoami\n}\n", 3, "datadog");
        SetupErrors.assertFails(". {\n trace jaeger localhost:1\n whoami\n}\n", 2, "'jaeger' is not supported");
        SetupErrors.assertFails(". {\n trace {\n  every -1\n }\n whoami\n}\n", 3, "every expects");
        SetupErrors.assertFails(". {\n trace {\n  sample 1\n }\n whoami\n}\n", 3, "unknown property 'sample'");
        SetupErrors.assertFails(". {\n trace {\n  zipkin_max_batch_interval 0s\n }\n whoami\n}\n", 3,
                "must be positive");
        SetupErrors.assertFails(". {\n trace a b c\n whoami\n}\n", 2, "");
        SetupErrors.assertFails(". {\n trace\n trace\n whoami\n}\n", 3, "only be used once");
    }
}
