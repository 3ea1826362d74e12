package io.nodedns.server;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/** The portable poller: a JDK Selector (boxes ready descriptors above 127, so it may allocate). */
final class NioPoller implements LoopPoller {
    private final Selector selector = Selector.open();
    private UdpLoop owner;
    private final Consumer<SelectionKey> onSelected = this::onSelected;

    NioPoller() throws IOException {}

    @Override
    public void register(SelectableChannel channel, LoopChannel handler) throws IOException {
        channel.register(selector, SelectionKey.OP_READ, handler);
    }

    @Override
    public void unregister(SelectableChannel channel) {
        SelectionKey key = channel.keyFor(selector);
        if (key != null) {
            key.cancel();
        }
    }

    @Override
    public void poll(long timeoutMillis, UdpLoop loop) throws IOException {
        this.owner = loop;
        selector.select(onSelected, timeoutMillis);
    }

    private void onSelected(SelectionKey key) {
        if (key.isValid()) {
            owner.dispatch((LoopChannel) key.attachment());
        }
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
