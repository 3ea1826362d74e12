package io.nodedns.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A test class that spends most of its time waiting (an API server outage, backoff steps) and
 * whose assertions a busy CPU beside it does not move: failed queries against a 5 s timeout, lower
 * bounds on waits, no latency, CPU or memory figure. {@code mvn verify} runs it in the second surefire
 * execution ({@code overlap}, pom.xml) on its own thread beside the {@link Unmeasured} classes,
 * which fill the waits two at a time; every other class runs alone. A single class ({@code -Dtest=...}) runs as
 * before, alone. The lock keeps two wait-bound classes from running at once (a thread blocked in a
 * join can make the pool start another) and, held by the class, runs its methods one after another.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(WaitBound.TAG)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(WaitBound.LOCK)
public @interface WaitBound {
    /** The JUnit tag of both kinds of class the {@code overlap} execution runs. */
    String TAG = "overlap";

    /** The resource every wait-bound class holds. */
    String LOCK = "nodedns.wait-bound";
}
