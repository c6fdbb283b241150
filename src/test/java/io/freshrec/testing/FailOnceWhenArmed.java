package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * A pass-through map that throws once, when the test has armed it ({@link #arm}), at the first record of a subtask
 * that comes after {@code after} records of that subtask and satisfies {@code trigger}: a failure injected at a point
 * the test chooses (the job then restarts from its last checkpoint). Keyed by a name unique to the test run.
 */
public final class FailOnceWhenArmed<T> implements MapFunction<T, T> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Boolean> ARMED = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> FAILED = new ConcurrentHashMap<>();

    /** A condition that travels with the job graph. */
    public interface Trigger<T> extends Predicate<T>, Serializable {}

    private final String name;
    private final int after;
    private final Trigger<T> trigger;
    private final String why;
    private transient int seen;

    public FailOnceWhenArmed(String name, int after, Trigger<T> trigger, String why) {
        this.name = name;
        this.after = after;
        this.trigger = trigger;
        this.why = why;
    }

    public static void arm(String name) {
        ARMED.put(name, Boolean.TRUE);
    }

    public static boolean failed(String name) {
        return FAILED.containsKey(name);
    }

    /** Waits until the armed failure has been thrown. */
    public static void awaitFailure(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!failed(name)) {
            assertThat(System.nanoTime()).as("the failure was thrown in time").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Override
    public T map(T value) {
        if (ARMED.containsKey(name)
                && ++seen > after
                && trigger.test(value)
                && FAILED.putIfAbsent(name, Boolean.TRUE) == null) {
            throw new IllegalStateException("injected failure: " + why);
        }
        return value;
    }
}
