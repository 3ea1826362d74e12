package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpEndpointsTest {
    /**
     * The JDK's HttpServer.create() starts its timer threads (idle connections, and with
     * HttpEndpoints.LIMITS the request deadline) before bind: a bind that fails, e.g. each reload
     * naming a busy address, must stop them, or every failure keeps two threads and a selector.
     */
    @Test
    void aFailedBindLeavesNoThreadBehind() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HttpEndpoints endpoints = new HttpEndpoints();
            List<HttpRoute> routes = List.of(new HttpRoute("127.0.0.1:" + busy.getLocalPort(), "/health",
                    exchange -> HttpEndpoints.reply(exchange, 200, "OK")));
            IOException first = assertThrows(IOException.class, () -> endpoints.prepare(routes));
            assertTrue(first.getMessage().startsWith("listen tcp 127.0.0.1:" + busy.getLocalPort()),
                    first.getMessage());
            long before = timerThreads();
            for (int i = 0; i < 5; i++) {
                assertThrows(IOException.class, () -> endpoints.prepare(routes));
            }
            assertEquals(before, timerThreads(), "timer threads left by five failed binds");
            endpoints.close();
        }
    }

    private static long timerThreads() throws InterruptedException {
        Thread.sleep(100); // a stopped server's timer ends its thread asynchronously
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().endsWith("timeout-task")).count();
    }
}
