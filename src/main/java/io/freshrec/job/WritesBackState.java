package io.freshrec.job;

import org.apache.flink.streaming.api.operators.KeyContext;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * An operator whose keyed state may be newer on the heap than in the state backend between checkpoints (write-back
 * copies, {@link CachedValueState}, {@link CooccurrenceCache}). It writes them at every checkpoint, before its keyed state is
 * snapshotted, and
 * when its input ends; {@link #flushState} does it on demand (tests that read the state backend directly).
 */
public interface WritesBackState {
    /** Writes every value held only on the heap to the keyed state; the current key is unchanged. */
    void flushState() throws Exception;

    /**
     * Runs {@code write} with {@code key} as the current key of {@code keys}, then makes the key that was current
     * current again (none was outside a record: then the key stays switched, which nothing reads).
     */
    static <E extends Exception> void atKey(KeyContext keys, Object key, ThrowingRunnable<E> write) throws E {
        Object current = keys.getCurrentKey();
        keys.setCurrentKey(key);
        write.run();
        if (current != null) {
            keys.setCurrentKey(current);
        }
    }
}
