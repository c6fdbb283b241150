package io.freshrec.job;

import io.freshrec.model.DecayedValue;
import it.unimi.dsi.fastutil.longs.Long2DoubleOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectLinkedOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongIterator;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * A bounded copy of item-model's co-occurrence map state on the heap: the entries of the items touched most recently,
 * each exactly as the map holds it or will hold it. The cache starts empty after a restore or a rescale and fills as
 * items are touched.
 *
 * <p>Why: every co-occurrence an update touches outside the item's neighbour list was a RocksDB read once per version,
 * the largest single cost in the job (a memtable and SST search per pair), and a RocksDB write once per version after
 * that. Most touched pairs are touched again in the next versions, so most of those reads are answered here; and with
 * a {@link Writer} (write-back) the writes are too: a changed entry is marked dirty and written to the map when its
 * item is evicted or at {@link #flush}, which the operator calls at every checkpoint before its state is snapshotted. A pair changed in
 * twenty versions between two checkpoints is written once, and checkpoints hold exactly what they held when every
 * version wrote through. Without a writer, the operator writes the map itself (write-through).
 *
 * <p>An item's entries may be all of its map ({@link #holdsAll}): for a new item, an item whose map was cleared, and
 * after the operator has read the whole map (it does to prune it). Then a pair the cache does not hold is not in the
 * map either, so a new pair costs no read, and the map can be pruned from here without iterating RocksDB.
 *
 * <p>Bounded in entries, evicted a whole item at a time, least recently touched first: an item's cached entries are
 * read and written together once per version. Values are held in primitive maps (no object per entry, so the garbage
 * collector neither allocates nor traces one per write) and handed out as copies.
 */
final class CooccurrenceCache {
    /** Heap per cached entry, estimated: a key and a value in each of two primitive hash maps, at their load factor. */
    static final long BYTES_PER_ENTRY = 48;

    /** Writes an item's entries to the map state (the item need not be the current key). */
    @FunctionalInterface
    interface Writer {
        /** {@code others} in the state backend's order of map keys (unsigned): write them in that order. */
        void write(long item, long[] others, double[] values, long[] times, int n) throws Exception;
    }

    /** An item's cached entries: other item to its co-occurrence's value and the time it is stated at. */
    private static final class Entries {
        final Long2DoubleOpenHashMap values = new Long2DoubleOpenHashMap();
        final Long2LongOpenHashMap times = new Long2LongOpenHashMap();
        /** Whether these are all of the item's map. */
        boolean all;
        /** Others whose entry here is newer than the map's (write-back); null: none. */
        LongOpenHashSet dirty;

        int size() {
            return values.size();
        }
    }

    private final Long2ObjectLinkedOpenHashMap<Entries> items = new Long2ObjectLinkedOpenHashMap<>();
    /** Items with dirty entries. */
    private final LongOpenHashSet dirtyItems = new LongOpenHashSet();

    private final long maxEntries;
    /** Null: write-through (the operator writes the map). */
    private final Writer writer;

    private final int maxParallelism;

    private long written;
    private long entries;
    private long hits;
    private long misses;
    private long evictedItems;

    /** A write-through cache: the operator writes the map, then {@link #put}s here. */
    CooccurrenceCache(long maxEntries) {
        this(maxEntries, null);
    }

    /**
     * @param maxEntries entries held at most; 0: nothing is cached
     * @param writer writes dirty entries back to the map; null: write-through
     */
    CooccurrenceCache(long maxEntries, Writer writer) {
        this(maxEntries, writer, KeyGroupRangeAssignment.DEFAULT_LOWER_BOUND_MAX_PARALLELISM);
    }

    /**
     * @param maxEntries entries held at most; 0: nothing is cached
     * @param writer writes dirty entries back to the map; null: write-through
     * @param maxParallelism the job's key groups: {@link #flush} writes items in the state backend's key order
     */
    CooccurrenceCache(long maxEntries, Writer writer, int maxParallelism) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must not be negative, was " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.writer = writer;
        this.maxParallelism = maxParallelism;
    }

    /** Whether {@link #put} keeps a change only here (until eviction or {@link #flush}): the map need not be written. */
    boolean writesBack() {
        return writer != null && maxEntries > 0;
    }

    /**
     * The map's entry for (item, other) if cached, as a new object; null when not cached (then the map holds none if
     * {@link #holdsAll}, else it may). Marks the item as just touched.
     */
    DecayedValue get(long item, long other) {
        Entries cached = touch(item);
        if (cached == null || !cached.values.containsKey(other)) {
            if (cached != null && cached.all) {
                hits++; // known absent
            } else {
                misses++;
            }
            return null;
        }
        hits++;
        return new DecayedValue(cached.values.get(other), cached.times.get(other));
    }

    /** Whether the cache holds every entry of the item's map (so one it does not hold is not in the map). */
    boolean holdsAll(long item) {
        Entries cached = items.get(item);
        return cached != null && cached.all;
    }

    /**
     * Records the map's new {@code value} for (item, other): written through, the map holds it already; written back
     * ({@link #writesBack}), it is written to the map when the item is evicted or flushed.
     */
    void put(long item, long other, DecayedValue value) throws Exception {
        if (maxEntries == 0) {
            return;
        }
        Entries cached = touch(item);
        if (cached == null) {
            cached = new Entries();
            items.putAndMoveToLast(item, cached);
        }
        boolean added = !cached.values.containsKey(other);
        cached.values.put(other, value.value);
        cached.times.put(other, value.time);
        if (writer != null) {
            if (cached.dirty == null) {
                cached.dirty = new LongOpenHashSet();
            }
            cached.dirty.add(other);
            dirtyItems.add(item);
        }
        if (added) {
            entries++;
            evictBeyondBound();
        }
    }

    /** Writes the item's dirty entries to the map (before the map itself is read whole). */
    void flush(long item) throws Exception {
        Entries cached = items.get(item);
        if (cached != null) {
            writeDirty(item, cached);
        }
    }

    /** Writes every dirty entry to the map: at a checkpoint, before the state is snapshotted, and when the input ends. */
    void flush() throws Exception {
        if (dirtyItems.isEmpty()) {
            return;
        }
        // In the state backend's key order, each item's entries too: RocksDB inserts a key next to the last one
        // cheaply (StateKeyOrder). Measured at 9,300 events/s, ~300,000 entries per flush: 280-500 ms of the
        // thread's CPU in hash order, 180-300 ms in key order.
        long[] dirty = dirtyItems.toLongArray();
        StateKeyOrder.sortKeys(dirty, dirty.length, maxParallelism);
        for (long item : dirty) {
            writeDirty(item, items.get(item));
        }
    }

    /** Entries written to the map by this cache (write-back). */
    long written() {
        return written;
    }

    /** Items with entries newer than the map's. */
    int dirtyItems() {
        return dirtyItems.size();
    }

    private void writeDirty(long item, Entries cached) throws Exception {
        if (cached.dirty == null || cached.dirty.isEmpty()) {
            return;
        }
        int n = cached.dirty.size();
        long[] others = new long[n];
        double[] values = new double[n];
        long[] times = new long[n];
        int i = 0;
        for (LongIterator it = cached.dirty.iterator(); it.hasNext(); ) {
            others[i++] = it.nextLong();
        }
        StateKeyOrder.sortUnsigned(others, n);
        for (i = 0; i < n; i++) {
            values[i] = cached.values.get(others[i]);
            times[i] = cached.times.get(others[i]);
        }
        cached.dirty = null;
        dirtyItems.remove(item);
        writer.write(item, others, values, times, n);
        written += n;
    }

    /**
     * Records the item's whole map ({@code n} entries), as just read from the state (after {@link #flush(long)}) or
     * known to be empty; drops what was cached of it, dirty entries included. Not kept when the map alone is larger
     * than the bound.
     */
    void holdAll(long item, long[] others, DecayedValue[] values, int n) throws Exception {
        dropItem(item);
        if (maxEntries == 0 || n > maxEntries) {
            return;
        }
        Entries cached = new Entries();
        for (int i = 0; i < n; i++) {
            cached.values.put(others[i], values[i].value);
            cached.times.put(others[i], values[i].time);
        }
        cached.all = true;
        items.putAndMoveToLast(item, cached);
        entries += n;
        evictBeyondBound();
    }

    /** The size of the item's whole map when {@link #holdsAll}; else -1. */
    int sizeIfAll(long item) {
        Entries cached = items.get(item);
        return cached != null && cached.all ? cached.size() : -1;
    }

    /**
     * Copies the item's whole map ({@link #holdsAll}; arrays of at least {@link #sizeIfAll} entries) into {@code
     * others}, {@code values} and {@code times}; returns the number copied.
     */
    int copyAll(long item, long[] others, double[] values, long[] times) {
        Entries cached = items.get(item);
        int n = 0;
        for (LongIterator keys = cached.values.keySet().iterator(); keys.hasNext(); ) {
            long other = keys.nextLong();
            others[n] = other;
            values[n] = cached.values.get(other);
            times[n++] = cached.times.get(other);
        }
        return n;
    }

    /** Records that the map no longer holds (item, other). */
    void remove(long item, long other) {
        Entries cached = items.get(item);
        if (cached != null && cached.values.containsKey(other)) {
            cached.values.remove(other);
            cached.times.remove(other);
            entries--;
            if (cached.dirty != null) {
                cached.dirty.remove(other);
            }
        }
    }

    /** Records that the item's map was cleared (it is known empty): its dirty entries are dropped, not written. */
    void clear(long item) throws Exception {
        holdAll(item, new long[0], new DecayedValue[0], 0);
    }

    long entries() {
        return entries;
    }

    /** Reads answered here: a cached entry, or an entry known not to exist. */
    long hits() {
        return hits;
    }

    /** Reads that have to go to the map. */
    long misses() {
        return misses;
    }

    /** Items dropped to keep the bound. */
    long evictedItems() {
        return evictedItems;
    }

    private void dropItem(long item) {
        Entries cached = items.remove(item);
        if (cached != null) {
            entries -= cached.size();
            dirtyItems.remove(item);
        }
    }

    private Entries touch(long item) {
        return items.isEmpty() ? null : items.getAndMoveToLast(item);
    }

    /**
     * Drops least recently touched items until the bound holds. The item being written was just touched, so it goes
     * last, when it alone holds more than the bound.
     */
    private void evictBeyondBound() throws Exception {
        while (entries > maxEntries && !items.isEmpty()) {
            long item = items.firstLongKey();
            Entries evicted = items.removeFirst();
            entries -= evicted.size();
            evictedItems++;
            writeDirty(item, evicted);
        }
    }
}
