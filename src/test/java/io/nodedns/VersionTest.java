package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class VersionTest {
    @Test
    void versionIsNeverEmpty() {
        assertFalse(Version.get().isBlank());
    }
}
