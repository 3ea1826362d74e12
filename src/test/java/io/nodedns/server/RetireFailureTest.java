package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.FreePorts;
import io.nodedns.testing.TestServer;
import java.nio.channels.SocketChannel;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A retire that throws does not end the retirement: the other servers are retired, and what
 * follows (the old plugins' stop, the listeners' close) runs. Before, the exception ended the
 * nodedns-retire thread, or left Server.stop before the plugins stopped.
 */
class RetireFailureTest {
    /** A server on the listener's address (SO_REUSEPORT) that serves nothing: only its retire is of interest. */
    private static class Probe extends SocketStreamServer<TcpConnection> {
        final AtomicBoolean retired = new AtomicBoolean();
        private final boolean fails;

        Probe(Listener listener, boolean fails) throws java.io.IOException {
            super(listener, listener.settings(), "tcp");
            this.fails = fails;
        }

        @Override
        void startConnection(SocketChannel socket) {}

        @Override
        void retire(Collection<Listener> stopped) {
            retired.set(true);
            close();
            if (fails) {
                throw new IllegalStateException("retire failed");
            }
        }
    }

    @Test
    void aFailingRetireLeavesTheOthersRetired() throws Exception {
        try (TestServer server = TestServer.fromText(".:%d {\n marker v\n}\n".formatted(FreePorts.udpAndTcp()))) {
            Listener listener = server.firstListener();
            Probe failing = new Probe(listener, true);
            Probe next = new Probe(listener, false);
            assertDoesNotThrow(() -> Retirement.finish(List.of(), List.of(failing, next), true));
            assertTrue(failing.retired.get() && next.retired.get(), "both retired");
        }
    }
}
