package io.nodedns.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A test class that spends most of its time waiting (an API server outage, backoff steps) and
 * asserts no figure that a busy CPU could move. {@code mvn verify} runs it in the second surefire
 * execution ({@code overlap}, pom.xml) on its own thread beside the {@link Unmeasured} classes,
 * which fill the waits; every other class runs alone. A single class ({@code -Dtest=...}) runs as
 * before, alone.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(WaitBound.TAG)
@Execution(ExecutionMode.CONCURRENT)
public @interface WaitBound {
    /** The JUnit tag of both kinds of class the {@code overlap} execution runs. */
    String TAG = "overlap";
}
