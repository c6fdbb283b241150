package io.freshrec.job;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectLinkedOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.io.IOException;
import java.util.function.ToLongFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.KeyContext;

/**
 * A keyed {@link ValueState} with a bounded copy of recently used keys' values on the heap: a read of a cached key costs
 * a hash lookup instead of a RocksDB read and a deserialisation. The copy starts empty after a restore.
 *
 * <p>Two ways to write:
 *
 * <ul>
 *   <li><b>write-through</b> (no {@link KeyContext}): every update and clear goes to the state first, so the state is
 *       the whole truth at every moment. For state that readers outside the operator see as it changes (queryable
 *       state).
 *   <li><b>write-back</b> (with the operator's {@link KeyContext}): an update only changes the heap copy and marks the
 *       key dirty; the value is written to the state when the key is evicted and for every dirty key at {@link #flush},
 *       which the operator calls at each checkpoint, before its keyed state is snapshotted (and when its input
 *       ends). A key updated many times
 *       between two checkpoints is written once: a RocksDB write serialises the whole value (a user's seen items, up
 *       to 8 KB) and lands in the memtable, which RocksDB later flushes and compacts. Checkpoints and savepoints hold
 *       exactly what they held with write-through, so a restore is exact; between checkpoints the state itself may be
 *       behind the heap, so this is only for state nothing outside the operator reads while the job runs.
 * </ul>
 *
 * <p>The value returned is the cached instance itself, not a copy: a caller that changes it must {@link #update} it
 * before the record or timer ends (every caller in the job does: it reads, changes and writes back in one call). The
 * key is passed explicitly and must be the state's current key. Bounded by an estimate of the values' bytes, evicting
 * the least recently used key first.
 */
final class CachedValueState<V> {
    /** Per cached key: the hash slot, the linked-list links and the key (bytes, estimated). */
    private static final long ENTRY_OVERHEAD = 48;

    private final ValueState<V> state;
    private final ToLongFunction<V> weigher;
    private final long maxBytes;
    /** The operator's key context, to write a dirty key other than the current one; null: write-through. */
    private final KeyContext keys;

    private final Long2ObjectLinkedOpenHashMap<V> values = new Long2ObjectLinkedOpenHashMap<>();
    private final Long2LongOpenHashMap weights = new Long2LongOpenHashMap();
    /** Keys whose cached value is newer than the state's (write-back only). */
    private final LongOpenHashSet dirty = new LongOpenHashSet();

    private final int maxParallelism;

    private long bytes;
    private long hits;
    private long misses;

    /**
     * A write-through copy.
     *
     * @param weigher estimated heap bytes of a value
     * @param maxBytes estimated bytes held at most; 0: nothing is cached
     */
    CachedValueState(ValueState<V> state, ToLongFunction<V> weigher, long maxBytes) {
        // Written through: nothing is flushed, so the key order does not matter.
        this(state, weigher, maxBytes, null, KeyGroupRangeAssignment.DEFAULT_LOWER_BOUND_MAX_PARALLELISM);
    }

    /**
     * @param keys the operator's key context: updates are written back (at eviction and {@link #flush}); null:
     *     written through
     * @param maxParallelism the job's key groups: {@link #flush} writes keys in the state backend's key order
     */
    CachedValueState(
            ValueState<V> state, ToLongFunction<V> weigher, long maxBytes, KeyContext keys, int maxParallelism) {
        this.maxParallelism = maxParallelism;
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative, was " + maxBytes);
        }
        this.state = state;
        this.weigher = weigher;
        this.maxBytes = maxBytes;
        this.keys = keys;
    }

    /** The current key's value (null when it has none). */
    V value(long key) throws IOException {
        V cached = values.isEmpty() ? null : values.getAndMoveToLast(key);
        if (cached != null) {
            hits++;
            return cached;
        }
        misses++;
        // Not cached, so not dirty: the state has the newest value.
        V read = state.value();
        if (read != null) {
            hold(key, read);
        }
        return read;
    }

    /** Sets the current key's value (null clears it). */
    void update(long key, V value) throws IOException {
        if (value == null) {
            clear(key);
            return;
        }
        if (keys == null) {
            state.update(value);
            hold(key, value);
        } else if (hold(key, value)) {
            dirty.add(key);
        } else {
            // Not held (no cache, or too large): the state must have it now.
            state.update(value);
        }
    }

    /** Clears the current key's value. */
    void clear(long key) {
        state.clear();
        forget(key);
    }

    /**
     * Writes every dirty key's value to the state (write-back; nothing to do with write-through). The operator's current
     * key is the same afterwards.
     */
    void flush() throws IOException {
        if (dirty.isEmpty()) {
            return;
        }
        Object current = keys.getCurrentKey();
        // In the state backend's key order: RocksDB inserts a key next to the last one cheaply (StateKeyOrder).
        long[] ordered = dirty.toLongArray();
        StateKeyOrder.sortKeys(ordered, ordered.length, maxParallelism);
        for (long key : ordered) {
            keys.setCurrentKey(key);
            state.update(values.get(key));
        }
        dirty.clear();
        if (current != null) {
            keys.setCurrentKey(current);
        }
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    /** Estimated bytes held. */
    long bytes() {
        return bytes;
    }

    int keys() {
        return values.size();
    }

    /** Caches the value; false when it is not held (no cache, or the value alone exceeds the bound). */
    private boolean hold(long key, V value) throws IOException {
        if (maxBytes == 0) {
            return false;
        }
        long weight = ENTRY_OVERHEAD + weigher.applyAsLong(value);
        if (weight > maxBytes) {
            forget(key);
            return false;
        }
        if (values.containsKey(key)) {
            bytes -= weights.get(key);
        }
        values.putAndMoveToLast(key, value);
        weights.put(key, weight);
        bytes += weight;
        while (bytes > maxBytes) {
            long oldest = values.firstLongKey();
            V evicted = values.removeFirst();
            bytes -= weights.remove(oldest);
            if (dirty.remove(oldest)) {
                writeBack(oldest, evicted);
            }
        }
        return true;
    }

    private void writeBack(long key, V value) throws IOException {
        WritesBackState.atKey(keys, key, () -> state.update(value));
    }

    private void forget(long key) {
        if (values.containsKey(key)) {
            values.remove(key);
            bytes -= weights.remove(key);
        }
        dirty.remove(key);
    }
}
