package io.nodedns.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Per-loop state of one plugin instance (a forwarder's upstream sockets and pending table, for
 * example), found with an array index instead of a map, so a lookup on the hot path is one load.
 * Created on the loop thread at first use.
 */
public final class LoopLocal<T> {
    private static final AtomicInteger NEXT_INDEX = new AtomicInteger();

    private final int index = NEXT_INDEX.getAndIncrement();
    private final Function<UdpLoop, T> create;

    public LoopLocal(Function<UdpLoop, T> create) {
        this.create = create;
    }

    /** This instance's state on the given loop; call on that loop's thread. */
    @SuppressWarnings("unchecked")
    public T get(UdpLoop loop) {
        Object value = loop.local(index);
        if (value == null) {
            value = create.apply(loop);
            loop.local(index, value);
        }
        return (T) value;
    }

    /** The state on a loop if it was ever created, else null (for cleanup from any thread). */
    @SuppressWarnings("unchecked")
    public T peek(UdpLoop loop) {
        return (T) loop.local(index);
    }

    /** Forgets this instance's state on a loop (a stopped plugin); call on that loop's thread. */
    public void remove(UdpLoop loop) {
        if (loop.local(index) != null) {
            loop.local(index, null);
        }
    }
}
