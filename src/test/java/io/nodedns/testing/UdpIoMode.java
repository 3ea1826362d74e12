package io.nodedns.testing;

/**
 * Sets {@code -Dnodedns.udp.native} (true: recvmmsg/sendmmsg, false: the NIO fallback) for the
 * servers a test starts in this JVM; closing puts back what it was.
 */
public final class UdpIoMode implements AutoCloseable {
    private static final String PROPERTY = "nodedns.udp.native";
    private final String before;

    private UdpIoMode(String before) {
        this.before = before;
    }

    public static UdpIoMode set(String nativeIo) {
        UdpIoMode mode = new UdpIoMode(System.getProperty(PROPERTY));
        System.setProperty(PROPERTY, nativeIo);
        return mode;
    }

    @Override
    public void close() {
        if (before == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, before);
        }
    }
}
