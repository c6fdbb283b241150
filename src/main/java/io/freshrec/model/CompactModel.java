package io.freshrec.model;

import it.unimi.dsi.fastutil.doubles.DoubleHeapIndirectPriorityQueue;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import java.util.Arrays;

/**
 * The items a scorer reads, in dense slots: a primitive hash from item id to slot, and per slot the newest
 * snapshot with the figures scoring needs per candidate ({@code norm^(1 - alpha)} and the time its values are
 * stated at) in primitive arrays. A candidate costs one primitive hash lookup and a few array reads: no boxing,
 * no search through versions.
 *
 * <p>Older versions of an item are read only by align-to-model replays and by a frozen model (quality breaker),
 * and only for an item whose newest version came after the time read: they stay with the owner's {@link
 * Versions} and are consulted just then.
 *
 * <p>Not thread-safe: one per operator instance (or per in-memory model).
 */
public final class CompactModel {
    /** All of an item's versions, as their owner keeps them. */
    public interface Versions {
        /** The snapshot of the newest version at or before {@code time}, or null. */
        ItemSnapshot at(long time);
    }

    /** Version time of a snapshot that is always current (an in-memory model has no versions). */
    public static final long ALWAYS = Long.MIN_VALUE;

    /** What {@link #put} returns when it evicted no item. */
    public static final long NONE_EVICTED = Long.MIN_VALUE;

    private final ModelConfig config;
    private final double targetExponent;
    private final Long2IntOpenHashMap slots = new Long2IntOpenHashMap();
    private long[] ids = new long[16];
    private ItemSnapshot[] newest = new ItemSnapshot[16];
    private long[] newestVersionTime = new long[16];
    private long[] valuesTime = new long[16];
    private double[] targetPower = new double[16];
    private Versions[] versions = new Versions[16];
    private int[] freeSlots = new int[16];
    private int freeCount;
    private int highWater;

    /** Items held at most (Integer.MAX_VALUE: no bound). */
    private final int maxItems;
    /**
     * By slot, the item's trending weight as a time-free key: {@code ln(trending) + time x ln 2 / half-life}. Every
     * trending weight decays at the same rate, so this orders items exactly as their weights at any common time do;
     * -infinity for an item without trending weight or without a current snapshot.
     */
    private double[] trendingKey;
    /** Slots by trending key, least first: the item a full model evicts. Null without a bound. */
    private DoubleHeapIndirectPriorityQueue leastTrending;

    private long evictions;

    public CompactModel(ModelConfig config) {
        this(config, Integer.MAX_VALUE);
    }

    /**
     * @param maxItems items held at most: beyond it {@link #put} evicts the least trending item (the one with the
     *     smallest trending weight; an item whose newest version withdrew it first)
     */
    public CompactModel(ModelConfig config, int maxItems) {
        if (maxItems < 1) {
            throw new IllegalArgumentException("maxItems must be at least 1");
        }
        this.config = config;
        this.targetExponent = 1 - config.normExponent;
        this.maxItems = maxItems;
        slots.defaultReturnValue(-1);
        if (maxItems != Integer.MAX_VALUE) {
            // Slots are reused, and an item beyond the bound is evicted as it comes: at most maxItems + 1 slots.
            trendingKey = new double[maxItems + 1];
            leastTrending = new DoubleHeapIndirectPriorityQueue(trendingKey, maxItems + 1);
        }
    }

    /** Items evicted because the model was full, since it was made. */
    public long evictions() {
        return evictions;
    }

    /** The slot of {@code item}, or -1 when the model does not hold it. */
    public int slot(long item) {
        return slots.get(item);
    }

    /** The item in {@code slot} (meaningful while the slot is held). */
    public long itemAt(int slot) {
        return ids[slot];
    }

    /** Slots are below this bound (for scratch arrays indexed by slot). */
    public int slotBound() {
        return highWater;
    }

    public int size() {
        return slots.size();
    }

    /**
     * Sets an item's newest version.
     *
     * @param versionTime event time of the version {@code snapshot} belongs to ({@link #ALWAYS}: current for every
     *     reader)
     * @param snapshot the newest snapshot, or null when the newest version withdrew the item (older versions may
     *     still be read)
     * @param older the item's versions, read when a reader asks for a time before {@code versionTime}; may be null
     *     when there are none
     */
    public long put(long item, long versionTime, ItemSnapshot snapshot, Versions older) {
        int slot = slots.get(item);
        boolean added = slot < 0;
        if (added) {
            slot = freeCount > 0 ? freeSlots[--freeCount] : highWater++;
            ensureCapacity(slot + 1);
            slots.put(item, slot);
            ids[slot] = item;
        }
        newest[slot] = snapshot;
        newestVersionTime[slot] = versionTime;
        versions[slot] = older;
        refresh(slot);
        if (leastTrending == null) {
            return NONE_EVICTED;
        }
        trendingKey[slot] = trendingKey(snapshot);
        if (added) {
            leastTrending.enqueue(slot);
        } else {
            leastTrending.changed(slot);
        }
        if (slots.size() <= maxItems) {
            return NONE_EVICTED;
        }
        long evicted = ids[leastTrending.first()];
        remove(evicted);
        evictions++;
        return evicted;
    }

    /** @return the item's eviction key (see {@link #trendingKey}) */
    private double trendingKey(ItemSnapshot snapshot) {
        if (snapshot == null || !(snapshot.trending > 0)) {
            return Double.NEGATIVE_INFINITY;
        }
        return Math.log(snapshot.trending) + snapshot.time * (Math.log(2) / config.trendingHalfLifeMs);
    }

    /** Re-reads the scoring figures of an item's newest snapshot after it changed in place. */
    public void refresh(long item) {
        int slot = slots.get(item);
        if (slot >= 0) {
            refresh(slot);
        }
    }

    private void refresh(int slot) {
        ItemSnapshot snapshot = newest[slot];
        if (snapshot == null) {
            valuesTime[slot] = 0;
            targetPower[slot] = 0;
        } else {
            valuesTime[slot] = snapshot.time;
            targetPower[slot] = Math.pow(snapshot.norm, targetExponent);
        }
    }

    public void remove(long item) {
        int slot = slots.remove(item);
        if (slot < 0) {
            return;
        }
        newest[slot] = null;
        versions[slot] = null;
        if (leastTrending != null) {
            leastTrending.remove(slot);
        }
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
        }
        freeSlots[freeCount++] = slot;
    }

    /** The versions given with the item's newest version, or null when it has none or is not held. */
    public Versions versionsOf(long item) {
        int slot = slots.get(item);
        return slot < 0 ? null : versions[slot];
    }

    /** The item's snapshot in force at version time {@code at}, or null. */
    public ItemSnapshot snapshotAt(int slot, long at) {
        if (newestVersionTime[slot] <= at) {
            return newest[slot];
        }
        Versions older = versions[slot];
        return older == null ? null : older.at(at);
    }

    /**
     * {@code N(c)^(1 - alpha)} of the item in slot {@code slot} in the version in force at {@code at}, decayed to
     * {@code now}; 0 when it has no snapshot there or no norm.
     */
    public double targetScale(int slot, long at, long now) {
        double scale;
        if (newestVersionTime[slot] <= at) {
            if (newest[slot] == null) {
                return 0.0;
            }
            scale = targetPower[slot]
                    * Decay.powerFactor(now - valuesTime[slot], config.similarityHalfLifeMs, targetExponent);
        } else {
            Versions older = versions[slot];
            ItemSnapshot snapshot = older == null ? null : older.at(at);
            if (snapshot == null) {
                return 0.0;
            }
            scale = snapshot.normPowerAt(now, targetExponent, config);
        }
        return scale > 0 ? scale : 0.0;
    }

    private void ensureCapacity(int needed) {
        if (needed <= ids.length) {
            return;
        }
        int capacity = Math.max(needed, ids.length * 2);
        ids = Arrays.copyOf(ids, capacity);
        newest = Arrays.copyOf(newest, capacity);
        newestVersionTime = Arrays.copyOf(newestVersionTime, capacity);
        valuesTime = Arrays.copyOf(valuesTime, capacity);
        targetPower = Arrays.copyOf(targetPower, capacity);
        versions = Arrays.copyOf(versions, capacity);
    }

    /** A reader's view: the items as of version time {@code at}, with that version's trending list and number. */
    public View at(long at, TrendingList trending, long version) {
        return new View(this, at, trending, version);
    }

    /** The model as one reader sees it; the scorer's fast path reads the slots directly. */
    public static final class View implements ModelView {
        final CompactModel model;
        final long at;
        private final TrendingList trending;
        private final long version;

        View(CompactModel model, long at, TrendingList trending, long version) {
            this.model = model;
            this.at = at;
            this.trending = trending;
            this.version = version;
        }

        @Override
        public ItemSnapshot item(long itemId) {
            int slot = model.slot(itemId);
            return slot < 0 ? null : model.snapshotAt(slot, at);
        }

        @Override
        public TrendingList trending() {
            return trending;
        }

        @Override
        public long version() {
            return version;
        }
    }
}
