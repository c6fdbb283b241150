package io.freshrec.job;

import io.freshrec.model.DecayedValue;
import it.unimi.dsi.fastutil.longs.Long2DoubleOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectLinkedOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongIterator;

/**
 * A bounded, read-through copy of item-model's co-occurrence map state on the heap: the entries of the items touched
 * most recently, each exactly as the map holds it. Writes go to the map and to the cache alike (write-through), so the
 * map stays the whole truth, checkpoints are unchanged, and the cache can be dropped at any time: it starts empty after
 * a restore or a rescale and fills as items are touched.
 *
 * <p>Why: every co-occurrence an update touches outside the item's neighbour list was a RocksDB read once per version,
 * the largest single cost in the job (a memtable and SST search per pair). Most touched pairs are touched again in
 * the next versions, so most of those reads are answered here.
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

    /** An item's cached entries: other item to its co-occurrence's value and the time it is stated at. */
    private static final class Entries {
        final Long2DoubleOpenHashMap values = new Long2DoubleOpenHashMap();
        final Long2LongOpenHashMap times = new Long2LongOpenHashMap();
        /** Whether these are all of the item's map. */
        boolean all;

        int size() {
            return values.size();
        }
    }

    private final Long2ObjectLinkedOpenHashMap<Entries> items = new Long2ObjectLinkedOpenHashMap<>();
    private final long maxEntries;
    private long entries;
    private long hits;
    private long misses;
    private long evictedItems;

    /** @param maxEntries entries held at most; 0: nothing is cached */
    CooccurrenceCache(long maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must not be negative, was " + maxEntries);
        }
        this.maxEntries = maxEntries;
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

    /** Records that the map now holds {@code value} for (item, other). */
    void put(long item, long other, DecayedValue value) {
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
        if (added) {
            entries++;
            evictBeyondBound();
        }
    }

    /**
     * Records the item's whole map ({@code n} entries), as just read from the state or known to be empty. Not kept when
     * the map alone is larger than the bound.
     */
    void holdAll(long item, long[] others, DecayedValue[] values, int n) {
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
        }
    }

    /** Records that the item's map was cleared (it is known empty). */
    void clear(long item) {
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
        }
    }

    private Entries touch(long item) {
        return items.isEmpty() ? null : items.getAndMoveToLast(item);
    }

    /**
     * Drops least recently touched items until the bound holds. The item being written was just touched, so it goes
     * last, when it alone holds more than the bound.
     */
    private void evictBeyondBound() {
        while (entries > maxEntries && !items.isEmpty()) {
            entries -= items.removeFirst().size();
            evictedItems++;
        }
    }
}
