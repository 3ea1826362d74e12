package io.nodedns.server;

import org.junit.jupiter.api.BeforeAll;

/**
 * The TCP tests again without epoll (-Dnodedns.tcp.native=false, as off Linux): each connection
 * waits in a blocking read on its own virtual thread, with the same deadlines, cap and pool.
 */
class TcpBlockingFallbackTest extends TcpIntegrationTest {
    @BeforeAll
    static void start() throws Exception {
        System.setProperty("nodedns.tcp.native", "false");
        try {
            startServer();
        } finally {
            System.clearProperty("nodedns.tcp.native");
        }
    }
}
