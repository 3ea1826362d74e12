package io.nodedns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VersionTest {
    @Test
    void manifestVersionWhenPackagedDevOtherwise() {
        assertEquals("1.4.0", Version.of("1.4.0"));
        assertEquals("dev", Version.of(null));
        assertEquals("dev", Version.of(" "));
        // Tests run from target/classes, which has no manifest.
        assertEquals("dev", Version.get());
    }
}
