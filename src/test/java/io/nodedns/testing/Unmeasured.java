package io.nodedns.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A test class that a {@link WaitBound} class may run beside (in the {@code overlap} surefire
 * execution, two such classes at a time on the other threads): no assertion of it can fail because
 * the machine is busy (no time, CPU, rate or allocation figure, no memory figure but the heap a
 * child process holds after a full GC, no head start counted in milliseconds; a lower bound on a
 * wait, a deadline many times what the loaded machine takes, or an upper bound on how often
 * something is retried is fine), it captures no log ({@link LogCapture} swaps the process-wide log output, and the
 * wait-bound kubeforward outage test counts its own lines), logs no warning and no stack trace, runs
 * no kubeforward watcher and no fuzz target, sets no system property and shares nothing with another
 * such class (ports from {@link FreePorts}, files in its own temporary directory).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(WaitBound.TAG)
@Execution(ExecutionMode.CONCURRENT)
public @interface Unmeasured {
}
