package io.nodedns.server;

import java.time.Duration;

/**
 * Transport settings of one listener, from the blocks that share it (timeouts, multisocket).
 * Defaults are CoreDNS's for plain DNS (CoreDNS plugin/timeouts), plus a TCP connection cap of our own.
 */
public record ListenerSettings(int udpLoops, Duration tcpRead, Duration tcpIdle, Duration tcpWrite,
        int maxTcpQueries, int maxTcpConnections) {

    public static final int DEFAULT_MAX_TCP_CONNECTIONS = 1024;

    public static ListenerSettings defaults() {
        return new ListenerSettings(defaultLoops(), Duration.ofSeconds(3), Duration.ofSeconds(10),
                Duration.ofSeconds(5), -1, DEFAULT_MAX_TCP_CONNECTIONS);
    }

    /** One UDP loop per core, as CoreDNS's multisocket default is GOMAXPROCS. */
    public static int defaultLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /**
     * This block's settings laid over what earlier blocks on the same listener set: an option a
     * block changed from the default wins, per option (CoreDNS: the last block that set a value).
     */
    public ListenerSettings overlay(ListenerSettings base) {
        ListenerSettings d = defaults();
        return new ListenerSettings(
                udpLoops != d.udpLoops ? udpLoops : base.udpLoops,
                !tcpRead.equals(d.tcpRead) ? tcpRead : base.tcpRead,
                !tcpIdle.equals(d.tcpIdle) ? tcpIdle : base.tcpIdle,
                !tcpWrite.equals(d.tcpWrite) ? tcpWrite : base.tcpWrite,
                maxTcpQueries != d.maxTcpQueries ? maxTcpQueries : base.maxTcpQueries,
                maxTcpConnections != d.maxTcpConnections ? maxTcpConnections : base.maxTcpConnections);
    }

    public ListenerSettings withUdpLoops(int n) {
        return new ListenerSettings(n, tcpRead, tcpIdle, tcpWrite, maxTcpQueries, maxTcpConnections);
    }
}
