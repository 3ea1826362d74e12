package io.nodedns.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Client threads that query until stopped, counting the queries answered and lost: the reload tests' load. */
abstract class ClientLoad {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong answered = new AtomicLong();
    final AtomicLong lost = new AtomicLong();
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    final List<Thread> clients = new ArrayList<>();

    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : clients) {
            t.join(30_000);
        }
    }

    long total() {
        return answered.get() + lost.get();
    }
}
