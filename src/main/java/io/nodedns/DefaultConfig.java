package io.nodedns;

/**
 * The built-in configuration used when there is no -conf and no ./Corefile (docs/decisions.md): an
 * unprivileged caching forwarder for the system's resolvers, on loopback only.
 */
public final class DefaultConfig {
    public static final int PORT = 1053;

    private DefaultConfig() {}

    public static String text(int port) {
        return """
                # nodedns built-in default: caching forwarder on loopback
                .:%d {
                    bind 127.0.0.1 ::1
                    errors
                    health 127.0.0.1:8080
                    ready 127.0.0.1:8181
                    prometheus 127.0.0.1:9153
                    cache
                    forward . /etc/resolv.conf
                }
                """.formatted(port);
    }
}
