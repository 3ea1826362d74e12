package io.nodedns.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/** Finds loopback ports that are free for both UDP and TCP. */
public final class FreePorts {
    private static final AtomicInteger NEXT = new AtomicInteger(20000 + (int) (ProcessHandle.current().pid() % 20000));

    private FreePorts() {}

    public static int udpAndTcp() {
        for (int attempt = 0; attempt < 2000; attempt++) {
            int port = NEXT.getAndIncrement();
            if (port > 60000) {
                NEXT.set(20000);
                continue;
            }
            // Wildcard binds conflict with any specific bind on the port, so they prove it is free.
            try (DatagramSocket udp = new DatagramSocket(port); ServerSocket tcp = new ServerSocket(port)) {
                return port;
            } catch (IOException e) {
                // taken: try the next one
            }
        }
        throw new IllegalStateException("no free port found");
    }
}
