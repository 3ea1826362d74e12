package io.nodedns.plugin.kubeforward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.k8s.EndpointSelection;
import io.nodedns.k8s.EndpointSnapshot;
import io.nodedns.k8s.HostPorts;
import io.nodedns.k8s.Slice;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The endpoint rules of docs/decisions.md on client model objects, and the snapshot file format. */
class EndpointSelectionTest {
    @TempDir
    Path dir;

    static Slice.Endpoint ep(Boolean ready, Boolean serving, String... ips) {
        return new Slice.Endpoint(List.of(ips), ready, serving, null, null, null);
    }

    static Slice slice(String type, List<Slice.Port> ports, Slice.Endpoint... eps) {
        return new Slice("ns", "s", "1", java.util.Map.of(), type, List.of(eps), ports);
    }

    static Slice.Port port(String name, int port) {
        return new Slice.Port(name, "UDP", port);
    }

    static List<String> select(String portName, Slice... slices) {
        return EndpointSelection.select(List.of(slices), portName).stream().map(HostPorts::format).toList();
    }

    @Test
    void readyOrUnsetWinsOverServing() {
        var ports = List.of(port("dns", 53), port("metrics", 9153));
        assertEquals(List.of("10.0.0.1:53", "10.0.0.3:53"), select("dns",
                slice("IPv4", ports, ep(true, null, "10.0.0.1"), ep(false, true, "10.0.0.2"),
                        ep(null, null, "10.0.0.3"))));
        assertEquals(List.of("10.0.0.2:53"), select("dns",
                slice("IPv4", ports, ep(false, false, "10.0.0.1"), ep(false, true, "10.0.0.2"))));
        assertEquals(List.of(), select("dns", slice("IPv4", ports, ep(false, null, "10.0.0.1"))));
    }

    @Test
    void addressTypesFamiliesAndDedup() {
        var ports = List.of(port("dns", 53));
        assertEquals(List.of("10.0.0.1:53", "[fd00::a]:53"), select("dns",
                slice("IPv6", ports, ep(true, null, "fd00::a", "10.9.9.9")),
                slice("IPv4", ports, ep(true, null, "10.0.0.1", "fd00::b")),
                slice("IPv4", ports, ep(true, null, "10.0.0.1")),
                slice("FQDN", ports, ep(true, null, "dns.example.org"))));
    }

    @Test
    void portByNameOrTheSinglePort() {
        var one = List.of(port("dns-udp", 5353));
        var two = List.of(port("dns", 53), port("dns-tcp", 54));
        assertEquals(List.of("10.0.0.1:5353"), select(null, slice("IPv4", one, ep(true, null, "10.0.0.1")),
                slice("IPv4", two, ep(true, null, "10.0.0.2"))));
        assertEquals(List.of("10.0.0.2:54"), select("dns-tcp", slice("IPv4", one, ep(true, null, "10.0.0.1")),
                slice("IPv4", two, ep(true, null, "10.0.0.2"))));
        assertEquals(List.of(), select("missing", slice("IPv4", two, ep(true, null, "10.0.0.2"))));
    }

    @Test
    void snapshotRoundTripsAndLeavesNoTemporaryFiles() throws Exception {
        Path f = dir.resolve("sub/ep");
        assertEquals(Optional.empty(), EndpointSnapshot.read(f));
        List<InetSocketAddress> list = List.of(new InetSocketAddress("10.0.0.1", 53),
                new InetSocketAddress("fd00::a", 5353));
        EndpointSnapshot.write(f, "ns/svc", list);
        EndpointSnapshot.write(f, "ns/svc", list);
        assertEquals(Optional.of(list), EndpointSnapshot.read(f));
        assertEquals(List.of("ep"), Files.list(f.getParent()).map(p -> p.getFileName().toString()).toList());
        EndpointSnapshot.write(f, "ns/svc", List.of());
        assertEquals(Optional.of(List.of()), EndpointSnapshot.read(f));
    }
}
