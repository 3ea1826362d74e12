package io.nodedns.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds loopback ports that are free for both UDP and TCP, below the kernel's ephemeral range: a
 * port found free inside it can be taken, before the server binds it, by any socket that connects
 * without binding, and the server then fails to start. LoopFootprintTest opens its 512 client
 * sockets while the child JVM starts: with 9 listener ports from 40000 one of the clients took one
 * of them in 31 of 200 trials, with ports from 20000 in none.
 */
public final class FreePorts {
    private static final int FIRST = 10000;
    /** One past the last port handed out: the first ephemeral port (Linux's default 32768). */
    private static final int END = end();
    private static final AtomicInteger NEXT = new AtomicInteger(
            FIRST + (int) (ProcessHandle.current().pid() % (END - FIRST)));

    private FreePorts() {}

    /** The first port of /proc/sys/net/ipv4/ip_local_port_range; 60000 where it is too low to stay below. */
    private static int end() {
        int ephemeral = 32768;
        try {
            // readAllLines: Files.readString read "3" of "32768\t60999" here (procfs says size 0)
            ephemeral = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .getFirst().trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // not Linux: its default
        }
        return ephemeral >= FIRST + 5000 ? ephemeral : 60000;
    }

    public static int udpAndTcp() {
        for (int attempt = 0; attempt < 2000; attempt++) {
            int port = NEXT.getAndIncrement();
            if (port >= END) {
                NEXT.set(FIRST);
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
