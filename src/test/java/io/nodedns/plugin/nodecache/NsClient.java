package io.nodedns.plugin.nodecache;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * A DNS client run inside a test's network namespace (its own JVM): open-loop UDP queries at a
 * fixed rate, each from a fresh source port, parsed with dnsjava. A query that gets no NOERROR
 * reply within 1 s is retried once (the stub resolver's behaviour); it fails if the retry also
 * gets none. Prints {@code sent= answered= firsttry= retried= failed=}.
 *
 * <p>Usage: {@code NsClient ADDRESS PORT QPS SECONDS [ZONE]} (ZONE defaults to example.org.)
 */
public final class NsClient {
    private NsClient() {}

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        int qps = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        String suffix = args.length > 4 ? args[4] : "example.org.";
        long total = Math.max(1, Math.round(qps * seconds));
        AtomicLong answered = new AtomicLong();
        AtomicLong firstTry = new AtomicLong();
        AtomicLong retried = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < total; i++) {
                long due = start + (long) (i * 1e9 / qps);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                int id = (int) (i & 0xffff);
                pool.submit(() -> {
                    for (int attempt = 0; attempt < 2; attempt++) {
                        if (ask(server, id, suffix)) {
                            answered.incrementAndGet();
                            (attempt == 0 ? firstTry : retried).incrementAndGet();
                            return;
                        }
                    }
                    failed.incrementAndGet();
                });
            }
        }
        System.out.println("sent=" + total + " answered=" + answered + " firsttry=" + firstTry + " retried=" + retried
                + " failed=" + failed);
    }

    private static boolean ask(InetSocketAddress server, int id, String suffix) {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(1000);
            Message q = Message.newQuery(Record.newRecord(Name.fromString("probe" + id + "." + suffix), Type.A, 1));
            q.getHeader().setID(id);
            byte[] wire = q.toWire();
            socket.send(new DatagramPacket(wire, wire.length, server));
            byte[] buf = new byte[1500];
            DatagramPacket reply = new DatagramPacket(buf, buf.length);
            while (true) {
                socket.receive(reply);
                Message m = new Message(java.util.Arrays.copyOf(buf, reply.getLength()));
                if (m.getHeader().getID() == id) {
                    return m.getRcode() == Rcode.NOERROR;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
