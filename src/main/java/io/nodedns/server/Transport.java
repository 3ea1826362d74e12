package io.nodedns.server;

/** How a query reached us. */
public enum Transport {
    UDP("udp"), TCP("tcp");

    private final String label;

    Transport(String label) {
        this.label = label;
    }

    /** The lower-case name used in logs and metric labels. */
    public String label() {
        return label;
    }
}
