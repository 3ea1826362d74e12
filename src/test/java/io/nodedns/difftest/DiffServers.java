package io.nodedns.difftest;

import io.nodedns.testing.FreePorts;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The other servers of the differential test, on loopback ports: knot (authoritative for the test
 * zones: plain, wildcard, big RRsets, and one knot signs itself) and unbound forwarding to it, as
 * nodedns does. Each is a child process in a scratch directory, stopped on close.
 */
final class DiffServers implements AutoCloseable {
    static final String KNOTD = "/usr/sbin/knotd";
    static final String UNBOUND = "/usr/sbin/unbound";

    final int knotPort;
    final int unboundPort;
    private final List<Process> processes = new ArrayList<>();

    private DiffServers(int knotPort, int unboundPort) {
        this.knotPort = knotPort;
        this.unboundPort = unboundPort;
    }

    /** Why the test cannot run here, or null. */
    static String missing() {
        for (String tool : List.of(KNOTD, UNBOUND)) {
            if (!Files.isExecutable(Path.of(tool))) {
                return tool + " is not installed (Debian packages knot and unbound)";
            }
        }
        return null;
    }

    static DiffServers start(Path dir) throws Exception {
        DiffServers s = new DiffServers(FreePorts.udpAndTcp(), FreePorts.udpAndTcp());
        try {
            s.startKnot(dir.resolve("knot"));
            s.startUnbound(dir.resolve("unbound"));
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    private void startKnot(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("db"));
        Files.writeString(dir.resolve("plain.test.zone"), """
                $ORIGIN plain.test.
                $TTL 300
                @ SOA ns hostmaster 1 3600 600 86400 60
                @ NS ns
                ns A 127.0.0.1
                host A 192.0.2.10
                host TXT "hello world"
                www CNAME host
                mail MX 10 host
                short 1 A 192.0.2.11
                mixed 30 A 192.0.2.12
                mixed 600 TXT "long ttl"
                alias 600 CNAME short
                """);
        Files.writeString(dir.resolve("wild.test.zone"), """
                $ORIGIN wild.test.
                $TTL 300
                @ SOA ns hostmaster 1 3600 600 86400 60
                @ NS ns
                ns A 127.0.0.1
                * A 192.0.2.20
                exact A 192.0.2.21
                """);
        StringBuilder big = new StringBuilder("""
                $ORIGIN big.test.
                $TTL 300
                @ SOA ns hostmaster 1 3600 600 86400 60
                @ NS ns
                ns A 127.0.0.1
                """);
        for (int i = 1; i <= DiffCases.BIG_A; i++) {
            big.append("many A 10.9.0.").append(i).append('\n');
        }
        for (int i = 1; i <= 40; i++) {
            big.append("txt TXT \"record ").append(i).append(" padding padding padding padding padding padding\"\n");
        }
        Files.writeString(dir.resolve("big.test.zone"), big);
        Files.writeString(dir.resolve("signed.test.zone"), """
                $ORIGIN signed.test.
                $TTL 300
                @ SOA ns hostmaster 1 3600 600 86400 60
                @ NS ns
                ns A 127.0.0.1
                host A 192.0.2.30
                """);
        Files.writeString(dir.resolve("knot.conf"), """
                server:
                  rundir: "%1$s"
                  listen: 127.0.0.1@%2$d
                  udp-workers: 1
                  tcp-workers: 1
                  background-workers: 1
                database:
                  storage: "%1$s/db"
                log:
                  - target: stderr
                    any: warning
                template:
                  - id: default
                    storage: "%1$s"
                    file: "%%s.zone"
                    journal-content: none
                    zonefile-sync: -1
                zone:
                  - domain: plain.test
                  - domain: wild.test
                  - domain: big.test
                  - domain: signed.test
                    dnssec-signing: on
                """.formatted(dir, knotPort));
        spawn(dir, KNOTD, "-c", dir.resolve("knot.conf").toString());
        // signed once the DNSKEY is served: the key is made and the zone signed at load
        awaitAnswer(knotPort, "signed.test.", Type.DNSKEY, "knot");
    }

    private void startUnbound(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("unbound.conf"), """
                server:
                  interface: 127.0.0.1@%2$d
                  port: %2$d
                  num-threads: 1
                  do-daemonize: no
                  username: ""
                  chroot: ""
                  directory: "%1$s"
                  pidfile: ""
                  use-syslog: no
                  logfile: ""
                  verbosity: 0
                  do-ip6: no
                  module-config: "iterator"
                  do-not-query-localhost: no
                  access-control: 127.0.0.0/8 allow
                  local-zone: "test." nodefault
                remote-control:
                  control-enable: no
                forward-zone:
                  name: "."
                  forward-addr: 127.0.0.1@%3$d
                """.formatted(dir, unboundPort, knotPort));
        spawn(dir, UNBOUND, "-d", "-c", dir.resolve("unbound.conf").toString());
        awaitAnswer(unboundPort, "host.plain.test.", Type.A, "unbound");
    }

    private void spawn(Path dir, String... command) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile()).start();
        processes.add(p);
    }

    /** Waits up to 20 s for a NOERROR answer from the server on {@code port}. */
    private static void awaitAnswer(int port, String name, int type, String who) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        byte[] wire = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)).toWire();
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(200);
            byte[] buf = new byte[4096];
            while (System.nanoTime() < deadline) {
                s.send(new DatagramPacket(wire, wire.length, new InetSocketAddress("127.0.0.1", port)));
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    s.receive(p);
                    Message m = new Message(java.util.Arrays.copyOf(buf, p.getLength()));
                    if (m.getRcode() == 0 && m.getSection(1).size() > 0) {
                        return;
                    }
                } catch (java.net.SocketTimeoutException notYet) {
                    // still starting
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException(who + " did not answer " + name + " on port " + port);
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
