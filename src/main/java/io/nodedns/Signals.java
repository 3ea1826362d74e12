package io.nodedns;

import io.nodedns.log.Log;
import io.nodedns.server.Server;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/** SIGUSR1 reloads; SIGTERM and SIGINT stop gracefully; a second SIGINT exits at once (as CoreDNS). */
final class Signals {
    private Signals() {}

    @SuppressWarnings("removal")
    static void install(Server server, CountDownLatch stopped) {
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopping.compareAndSet(false, true)) {
                Log.warning("", "forced exit");
                Runtime.getRuntime().halt(1);
            }
            Thread.ofPlatform().name("nodedns-stop").start(() -> {
                Log.info("", "SIGTERM: Shutting down servers then terminating");
                server.stop();
                stopped.countDown();
            });
        };
        Signal.handle(new Signal("TERM"), s -> stop.run());
        Signal.handle(new Signal("INT"), s -> stop.run());
        Signal.handle(new Signal("HUP"), s -> { }); // CoreDNS ignores SIGHUP
        Signal.handle(new Signal("USR1"), s -> server.reloadOnSignal());
    }
}
