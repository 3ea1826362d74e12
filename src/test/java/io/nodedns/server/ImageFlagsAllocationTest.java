package io.nodedns.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.ImageJvm;
import io.nodedns.testing.LoopAllocations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zero-allocation check (hits and forwarded misses on the UDP loop) under the JVM flags the
 * image ships (deploy/image/nodedns), not the test runner's: what the JIT removes depends on the
 * compilers. With C1 only ({@code -XX:TieredStopAtLevel=1}) nothing is escape-analysed, so an
 * object C2 would have scalar-replaced is a real allocation there (the forward path's errno
 * capture was 80 B/query under C1 while 0 B under C2).
 */
class ImageFlagsAllocationTest {
    private static final Pattern RESULT = Pattern.compile(
            "RESULT worst hits=([0-9.]+) worst misses=([0-9.]+) lost=(\\d+) B/query per window:.*\\| \\[.*\\] \\[.*\\] \\[.*\\] \\(");

    @Test
    void hitsAndMissesAllocateNothingUnderTheImagesFlags(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("child.log");
        // CacheForwardAllocationTest's figures: 1000 client ports, 30,000 misses to warm up (more than
        // the cache holds, so its chunks have all been opened), windows of 60,000 hits and 40,000 misses
        try (ImageJvm child = ImageJvm.run(log, LoopAllocations.class, "1000", "30", "60", "40")) {
            assertTrue(child.waitFor(Duration.ofMinutes(10)), "measurement did not end: " + child.log());
            String out = Files.readString(log);
            System.out.println("under " + ImageJvm.flags() + ": " + out.strip());
            assertEquals(0, child.exitValue(), out);
            Matcher m = RESULT.matcher(out);
            assertTrue(m.find(), "no result line: " + out);
            assertEquals(0, Integer.parseInt(m.group(3)), "every query answered: " + out);
            // every window after warm-up (three after the "|"), not the best of them
            assertTrue(Double.parseDouble(m.group(1)) < LoopAllocations.BOUND, "hits allocate: " + out);
            assertTrue(Double.parseDouble(m.group(2)) < LoopAllocations.BOUND, "misses allocate: " + out);
        }
    }
}
