package io.nodedns.server;

/** A plugin that reports readiness to the ready plugin (CoreDNS's Readiness interface). */
public interface Readiness {
    /** The name reported by /ready while not ready. */
    String readinessName();

    boolean ready();
}
