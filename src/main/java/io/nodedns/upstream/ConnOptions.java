package io.nodedns.upstream;

import java.net.InetAddress;
import java.time.Duration;

/**
 * How upstream connections are made and cached (forward's expire, max_age, max_idle_conns,
 * source_address).
 *
 * @param expire       idle time after which a cached TCP connection is closed
 * @param maxAge       age after which a cached connection is closed whatever its use; zero = off
 * @param maxIdleConns cached connections kept per upstream; 0 = unlimited
 * @param source       local address for upstream sockets, or null for the kernel's choice
 */
public record ConnOptions(Duration expire, Duration maxAge, int maxIdleConns, InetAddress source) {
    public static final Duration DEFAULT_EXPIRE = Duration.ofSeconds(10);

    public static ConnOptions defaults() {
        return new ConnOptions(DEFAULT_EXPIRE, Duration.ZERO, 0, null);
    }
}
