package io.nodedns;

import io.nodedns.log.Log;
import io.nodedns.server.Server;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/** SIGUSR1 reloads; SIGTERM and SIGINT stop gracefully; a second SIGINT exits at once (as CoreDNS). */
final class Signals {
    private Signals() {}

    @SuppressWarnings("removal")
    static void install(Server server, CountDownLatch stopped) {
        AtomicBoolean stopping = new AtomicBoolean();
        // the log names the signal that came: Ctrl-C is SIGINT, the kubelet's stop SIGTERM
        Consumer<Signal> stop = sig -> {
            if (!stopping.compareAndSet(false, true)) {
                Log.warning("", "forced exit");
                Log.flush(500);
                Runtime.getRuntime().halt(1);
            }
            Thread.ofPlatform().name("nodedns-stop").start(() -> {
                Log.info("", "SIG" + sig.getName() + ": Shutting down servers then terminating");
                server.stop();
                stopped.countDown();
            });
        };
        Signal.handle(new Signal("TERM"), stop::accept);
        Signal.handle(new Signal("INT"), stop::accept);
        Signal.handle(new Signal("HUP"), s -> {}); // CoreDNS ignores SIGHUP
        Signal.handle(new Signal("USR1"), s -> server.reloadOnSignal());
    }
}
