package io.nodedns.plugin.nsid;

import java.nio.charset.StandardCharsets;

/**
 * What {@code nsid} sets up.
 *
 * @param data the identifier: DATA's words joined by single spaces, or the host name
 */
record NsidConfig(String data) {
    /** The identifier as the NSID option carries it. */
    byte[] bytes() {
        return data.getBytes(StandardCharsets.UTF_8);
    }
}
