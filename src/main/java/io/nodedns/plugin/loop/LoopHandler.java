package io.nodedns.plugin.loop;

import io.nodedns.log.Log;
import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.Shared;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * CoreDNS's loop detection (plugin/loop): at start a background thread sends {@code HINFO
 * <random>.<random>.<zone>} to the block's own address every second until one exchange succeeds
 * (at most 30 tries); meanwhile every HINFO query for exactly that name is counted, and a third
 * sighting means the query came back through a forwarding loop: the process stops with CoreDNS's
 * message. Other queries only pay one volatile read.
 */
final class LoopHandler extends ChainHandler implements Lifecycle {
    static final String NAME = "loop";
    static final int TRIES = 30;
    private final String zone;
    private final InetSocketAddress target;
    private final Shared shared;
    private final String probe; // lower-case FQDN
    private final byte[] probeWire; // the probe name in wire form, lower case
    private final AtomicInteger seen = new AtomicInteger();
    private volatile boolean active = true;
    private volatile Thread prober;

    LoopHandler(LoopConfig config, Shared shared) {
        super(NAME);
        this.zone = config.zone();
        this.target = config.target();
        this.shared = shared;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String z = zone.equals(".") ? "" : zone;
        this.probe = (r.nextLong() >>> 2) + "." + (r.nextLong() >>> 2) + "." + z;
        try {
            this.probeWire = Name.fromString(probe.isEmpty() ? "." : probe).toWireCanonical();
        } catch (org.xbill.DNS.TextParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The probe name (tests). */
    String probeName() {
        return probe;
    }

    boolean active() {
        return active;
    }

    @Override
    public void start() {
        prober = Thread.ofVirtual().name("nodedns-loop-probe").start(this::probeLoop);
    }

    @Override
    public void stop() {
        active = false;
        Thread t = prober;
        if (t != null) {
            t.interrupt();
        }
    }

    private void probeLoop() {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(2000);
            Message query = Message.newQuery(org.xbill.DNS.Record.newRecord(Name.fromString(probe), Type.HINFO,
                    org.xbill.DNS.DClass.IN));
            for (int i = 0; i < TRIES && active; i++) {
                query.getHeader().setID(ThreadLocalRandom.current().nextInt(0x10000));
                byte[] out = query.toWire();
                try {
                    socket.send(new DatagramPacket(out, out.length, target));
                    byte[] in = new byte[512];
                    socket.receive(new DatagramPacket(in, in.length));
                    break; // one exchange succeeded: no loop through this path
                } catch (SocketTimeoutException e) {
                    seen.set(0); // a failed try resets the count (CoreDNS): slow upstreams are no loop
                }
                Thread.sleep(1000);
            }
        } catch (InterruptedException e) {
            return;
        } catch (Exception e) {
            Log.warning(NAME, "probe failed: " + e.getMessage());
        } finally {
            active = false;
        }
    }

    @Override
    public int serve(Exchange ex) {
        if (active) {
            QueryView q = ex.query();
            if (q.qtype() == Type.HINFO && isProbe(ex, q)) {
                if (seen.incrementAndGet() > 2) {
                    active = false;
                    String client = ex.client().ipText().indexOf(':') >= 0
                            ? "[" + ex.client().ipText() + "]"
                            : ex.client().ipText();
                    shared.fatal(NAME, "Loop (" + client + ":" + ex.client().port() + " -> "
                            + ex.listener().address().label().substring("dns://".length())
                            + ") detected for zone \"" + zone
                            + "\", see https://coredns.io/plugins/loop#troubleshooting."
                            + " Query: \"HINFO " + probe + "\"");
                    return DnsHeader.RCODE_SERVFAIL;
                }
            }
        }
        return next(ex);
    }

    /** The question name equals the probe name, ignoring case. */
    private boolean isProbe(Exchange ex, QueryView q) {
        int len = q.questionEnd() - 4 - 12;
        if (len != probeWire.length) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            byte b = ex.request().getByte(12 + i);
            if (b >= 'A' && b <= 'Z') {
                b = (byte) (b + 32);
            }
            if (b != probeWire[i]) {
                return false;
            }
        }
        return true;
    }
}
