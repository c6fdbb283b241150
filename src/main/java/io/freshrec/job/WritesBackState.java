package io.freshrec.job;

/**
 * An operator whose keyed state may be newer on the heap than in the state backend between checkpoints (write-back
 * copies, {@link CachedValueState}, {@link CooccurrenceCache}). It writes them at every checkpoint, before its keyed state is
 * snapshotted, and
 * when its input ends; {@link #flushState} does it on demand (tests that read the state backend directly).
 */
public interface WritesBackState {
    /** Writes every value held only on the heap to the keyed state; the current key is unchanged. */
    void flushState() throws Exception;
}
