package io.freshrec.job;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectLinkedOpenHashMap;
import java.io.IOException;
import java.util.function.ToLongFunction;
import org.apache.flink.api.common.state.ValueState;

/**
 * A keyed {@link ValueState} with a bounded, write-through copy of recently used keys' values on the heap: a read of a
 * cached key costs a hash lookup instead of a RocksDB read and a deserialisation. Every update and clear still goes to
 * the state first, so the state stays the whole truth (checkpoints, queryable state and savepoints see exactly what
 * they saw without the cache) and the cache may be dropped at any time: it starts empty after a restore.
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
    private final Long2ObjectLinkedOpenHashMap<V> values = new Long2ObjectLinkedOpenHashMap<>();
    private final Long2LongOpenHashMap weights = new Long2LongOpenHashMap();
    private long bytes;
    private long hits;
    private long misses;

    /**
     * @param weigher estimated heap bytes of a value
     * @param maxBytes estimated bytes held at most; 0: nothing is cached
     */
    CachedValueState(ValueState<V> state, ToLongFunction<V> weigher, long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative, was " + maxBytes);
        }
        this.state = state;
        this.weigher = weigher;
        this.maxBytes = maxBytes;
    }

    /** The current key's value (null when it has none). */
    V value(long key) throws IOException {
        V cached = values.isEmpty() ? null : values.getAndMoveToLast(key);
        if (cached != null) {
            hits++;
            return cached;
        }
        misses++;
        V read = state.value();
        if (read != null) {
            hold(key, read);
        }
        return read;
    }

    /** Sets the current key's value (null clears it). */
    void update(long key, V value) throws IOException {
        state.update(value);
        if (value == null) {
            forget(key);
        } else {
            hold(key, value);
        }
    }

    /** Clears the current key's value. */
    void clear(long key) {
        state.clear();
        forget(key);
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

    private void hold(long key, V value) {
        if (maxBytes == 0) {
            return;
        }
        forget(key);
        long weight = ENTRY_OVERHEAD + weigher.applyAsLong(value);
        if (weight > maxBytes) {
            return;
        }
        values.putAndMoveToLast(key, value);
        weights.put(key, weight);
        bytes += weight;
        while (bytes > maxBytes) {
            long oldest = values.firstLongKey();
            values.removeFirst();
            bytes -= weights.remove(oldest);
        }
    }

    private void forget(long key) {
        if (values.remove(key) != null) {
            bytes -= weights.remove(key);
        }
    }
}
