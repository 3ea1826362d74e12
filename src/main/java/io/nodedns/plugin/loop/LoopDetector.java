package io.nodedns.plugin.loop;

import io.nodedns.log.Log;
import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Lifecycle;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.agrona.concurrent.UnsafeBuffer;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The loop plugin's handler and probe. While the probe is active, an HINFO query for the probe
 * name is counted; every other query costs one type comparison. The probe stops after its first
 * answered exchange or 30 s, as in CoreDNS.
 */
final class LoopDetector extends ChainHandler implements Lifecycle {
    private static final int TYPE_HINFO = 13;
    private static final int MAX_SEEN = 2;

    private final String zone;
    private final InetSocketAddress target;
    private final Consumer<String> onLoop;
    private final byte[] probeWire; // lower-case wire form of the probe name
    private final UnsafeBuffer probeBuffer;
    private final String probeName;
    private final AtomicInteger seen = new AtomicInteger();
    private volatile boolean active = true;
    private volatile Thread prober;

    LoopDetector(String zone, String host, int port, Consumer<String> onLoop) {
        this.zone = zone;
        this.onLoop = onLoop;
        SecureRandom random = new SecureRandom();
        this.probeName = (random.nextLong() >>> 2) + "." + (random.nextLong() >>> 2) + "." + (zone.equals(".") ? "" : zone);
        try {
            this.probeWire = Name.fromString(probeName.toLowerCase(java.util.Locale.ROOT)).toWireCanonical();
            this.target = new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (Exception e) {
            throw new IllegalStateException("loop probe name " + probeName + ": " + e.getMessage(), e);
        }
        this.probeBuffer = new UnsafeBuffer(probeWire);
    }

    @Override
    public String name() {
        return "loop";
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        if (active && q.qtype() == TYPE_HINFO && q.qnameLength() == probeWire.length
                && Names.equalsIgnoreCase(q.buffer(), q.qnameOffset(), probeBuffer, 0, probeWire.length)) {
            if (seen.incrementAndGet() > MAX_SEEN) {
                onLoop.accept("Loop (" + ex.client().ipText() + ":" + ex.client().port() + " -> " + target.getAddress().getHostAddress()
                        + ":" + target.getPort() + ") detected for zone \"" + zone
                        + "\", see https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO " + probeName + "\"");
            }
        }
        return next(ex);
    }

    @Override
    public void start() {
        prober = Thread.ofVirtual().name("loop-probe").start(this::probe);
    }

    @Override
    public void stop() {
        active = false;
        Thread t = prober;
        if (t != null) {
            t.interrupt();
        }
    }

    private void probe() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(2000);
            while (active && System.nanoTime() < deadline) {
                Message query = Message.newQuery(Record.newRecord(Name.fromString(probeName), Type.HINFO, DClass.IN));
                byte[] wire = query.toWire();
                socket.send(new DatagramPacket(wire, wire.length, target));
                try {
                    socket.receive(new DatagramPacket(new byte[512], 512));
                    break; // one exchange succeeded: detection is done
                } catch (java.net.SocketTimeoutException e) {
                    seen.set(0); // CoreDNS resets the count after a failed try
                    Thread.sleep(1000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Log.warning("loop", "probe to " + target + " failed: " + e.getMessage());
        } finally {
            active = false;
        }
    }

    int seen() {
        return seen.get();
    }

    String probeName() {
        return probeName;
    }

    static void exitFatally(String message) {
        Log.fatal("loop", message);
        Runtime.getRuntime().halt(1);
    }
}
