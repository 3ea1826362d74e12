package io.nodedns.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The warm-up's view of the JIT: HotSpot's compiler threads found in /proc, their state read. */
class CompilerThreadsTest {
    @Test
    void theStateIsTheFieldAfterTheParenthesisedName() {
        assertEquals('R', CompilerThreads.state("4242 (C1 CompilerThre) R 1 4200 4200 0 -1"));
        assertEquals('S', CompilerThreads.state("4242 (C1 CompilerThre) S 1 4200 4200 0 -1"));
        assertEquals('S', CompilerThreads.state("7 (a) b) c) S 1 2"), "a name may hold ') '");
        assertEquals('?', CompilerThreads.state("garbage"));
    }

    @Test
    void thisJvmsCompilerThreadsAreFoundAndGoIdle() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc (not Linux)");
        assertTrue(CompilerThreads.count() >= 1, "HotSpot with a JIT has at least one compiler thread");
        // nothing makes code hot here: the queue drains (a busy build machine may take a while)
        long deadline = System.nanoTime() + 60_000_000_000L;
        boolean idleSeen = false;
        while (!idleSeen && System.nanoTime() < deadline) {
            idleSeen = !CompilerThreads.busy();
            Thread.sleep(10);
        }
        assertTrue(idleSeen, "the compiler threads sleep once their queue is empty");
    }
}
