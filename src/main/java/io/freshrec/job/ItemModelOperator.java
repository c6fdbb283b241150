package io.freshrec.job;

import io.freshrec.model.CooccurrencePruning;
import io.freshrec.model.Decay;
import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemState;
import io.freshrec.model.ModelConfig;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Keyed by item. Holds the item's decayed norm and trending weight, its full decayed co-occurrence map (RocksDB map
 * state) and its top neighbour candidates (queryable as {@code similar-items}).
 *
 * <p>Updates are bundled in memory and applied per model version: the version at event time W (a multiple of the
 * publish interval) applies, once the watermark passes W, exactly the updates before W, in (time, item) order, and
 * publishes the item's snapshot to {@link FreshRecState#MODEL_DELTAS}. So a version's content does not depend on how
 * updates from different users interleave, and each item's state, and each co-occurrence it holds, is read and
 * written once per watermark step rather than once per update.
 */
public class ItemModelOperator extends BundledKeyedOperator<ItemUpdate, Void> {
    private static final long serialVersionUID = 1L;
    /** A total order on updates, so floating-point sums do not depend on arrival order either. */
    private static final Comparator<ItemUpdate> APPLY_ORDER = Comparator.<ItemUpdate>comparingLong(u -> u.time)
            .thenComparing(u -> !u.interaction)
            .thenComparingDouble(u -> u.weight)
            .thenComparingDouble(u -> u.normIncrement)
            .thenComparing(u -> u.others, Arrays::compare)
            .thenComparing(u -> u.amounts, Arrays::compare);

    private static final Comparator<ItemUpdate> VERSION_ORDER =
            Comparator.<ItemUpdate>comparingLong(u -> u.versionTime).thenComparing(APPLY_ORDER);

    private final ModelConfig config;
    private final long cacheBytes;
    private int newIdRateAlert;
    private transient CachedValueState<ItemState> items;
    private transient MapState<Long, DecayedValue> cooccurrence;
    /** The co-occurrences of recently touched items (written back at each checkpoint). */
    private transient CooccurrenceCache cache;

    private transient Counter itemsCreated;
    private transient Counter itemsExpired;
    /** Items held by this subtask (restored with the job, for the "items" gauge). */
    private transient CheckpointedCount itemsHeld;

    private transient Counter publications;
    private transient Counter cooccurrencesPruned;
    private transient Counter lateUpdates;

    public ItemModelOperator(ModelConfig config) {
        this(config, DEFAULT_MAX_BUNDLE_SIZE, DEFAULT_CACHE_BYTES);
    }

    /** @param maxBundleSize updates buffered in memory before they are moved to state */
    public ItemModelOperator(ModelConfig config, int maxBundleSize) {
        this(config, maxBundleSize, DEFAULT_CACHE_BYTES);
    }

    /**
     * @param maxBundleSize updates buffered in memory before they are moved to state
     * @param cacheBytes heap (estimated bytes) for copies of recently touched items' co-occurrences (three quarters:
     *     at the default, ~1,000,000 of {@value CooccurrenceCache#BYTES_PER_ENTRY} bytes) and states (about 1 KB each
     *     at 50 neighbours), which spare RocksDB reads ({@link CooccurrenceCache}, {@link CachedValueState}); 0: none
     */
    public ItemModelOperator(ModelConfig config, int maxBundleSize, long cacheBytes) {
        super(maxBundleSize);
        this.config = config;
        this.cacheBytes = cacheBytes;
    }

    @Override
    protected ListStateDescriptor<ItemUpdate> pendingDescriptor() {
        return FreshRecState.pendingItemUpdates();
    }

    @Override
    protected long dueTime(ItemUpdate update) {
        return update.versionTime;
    }

    @Override
    protected void assignDueTime(ItemUpdate update, long due) {
        update.versionTime = due;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        itemsHeld = CheckpointedCount.sum(context, "items-held");
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        itemsHeld.snapshot();
    }

    /** Alert when more than {@code perSecond} new items a second arrive (live sources); 0: never. */
    public ItemModelOperator alertOnNewIdsAbove(int perSecond) {
        this.newIdRateAlert = perSecond;
        return this;
    }

    @Override
    public void open() throws Exception {
        super.open();
        cooccurrence = getPartitionedState(FreshRecState.cooccurrence());
        cache = new CooccurrenceCache(
                cacheBytes / 4 * 3 / CooccurrenceCache.BYTES_PER_ENTRY,
                this::writeCooccurrences,
                getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks());
        items = new CachedValueState<>(
                getPartitionedState(FreshRecState.itemState()),
                item -> 160 + 16L * item.snapshot.neighbours.length,
                cacheBytes / 4);
        getMetricGroup().gauge(MetricNames.COOCCURRENCE_CACHE_HITS, () -> cache.hits());
        getMetricGroup().gauge(MetricNames.COOCCURRENCE_CACHE_MISSES, () -> cache.misses());
        getMetricGroup().gauge(MetricNames.COOCCURRENCE_CACHE_ENTRIES, () -> cache.entries());
        itemsCreated = getMetricGroup().counter(MetricNames.ITEMS_CREATED);
        alertOnNewIds(itemsCreated, "items", newIdRateAlert);
        getMetricGroup().meter(MetricNames.NEW_ITEMS_PER_SECOND, new MeterView(itemsCreated, 5));
        itemsExpired = getMetricGroup().counter(MetricNames.ITEMS_EXPIRED);
        publications = getMetricGroup().counter(MetricNames.PUBLICATIONS);
        lateUpdates = getMetricGroup().counter(MetricNames.LATE_UPDATES);
        cooccurrencesPruned = getMetricGroup().counter(MetricNames.COOCCURRENCES_PRUNED);
        getMetricGroup().gauge(MetricNames.ITEMS, () -> itemsHeld.get());
    }

    @Override
    public void processElement(StreamRecord<ItemUpdate> element) throws Exception {
        ItemUpdate update = element.getValue();
        long watermark = currentWatermark();
        if (update.time <= watermark) {
            lateUpdates.inc(); // goes into the next version
        }
        buffer(update, Timers.nextMultiple(Math.max(update.time, watermark), config.publishIntervalMs));
    }

    @Override
    protected void applyDue(List<ItemUpdate> due) throws Exception {
        // Every version the watermark has passed is due now: apply and publish them in order in this one call (a
        // replay passes many at once).
        due.sort(VERSION_ORDER);
        ItemState state = items.value(currentKey());
        if (state == null) {
            state = ItemState.create(currentKey(), due.get(0).time);
            cache.clear(currentKey()); // a new item's map is empty
            itemsCreated.inc();
            itemsHeld.add(1);
        } else if (state.isExpired()) {
            itemsHeld.add(1); // an expired item's remnant comes back to life: held again
        }
        // Co-occurrences are read at most once and written once per step, however many updates touch them. A
        // neighbour's value is read from the candidate list (stated at the item's time) rather than from the map, at
        // the start of each version: so a version starts from the same values whether it is applied alone or with
        // others in one step (a restore regroups versions), and the model stays exactly reproducible.
        Map<Long, DecayedValue> version = new HashMap<>();
        Map<Long, DecayedValue> step = new HashMap<>();
        for (int i = 0; i < due.size(); i++) {
            ItemUpdate update = due.get(i);
            apply(state, update, version, step);
            if (i == due.size() - 1 || due.get(i + 1).versionTime != update.versionTime) {
                emit(FreshRecState.MODEL_DELTAS, state.publish(update.versionTime), update.versionTime);
                publications.inc();
                step.putAll(version);
                version.clear();
                if (state.cooccurrences < 0
                        || CooccurrencePruning.due(state.cooccurrences, config.cooccurrenceBound())) {
                    // At a version's end, on the whole map: the same whether versions are applied one by one or
                    // together (a restore regroups them).
                    write(step);
                    prune(state);
                }
            }
        }
        write(step);
        // Always (re)register: Flink keeps one timer per time, and the one being fired may be it.
        timers.registerEventTimeTimer(
                VoidNamespace.INSTANCE, Timers.expiryTimer(state.lastEventTime, config.itemTtlMs));
        items.update(currentKey(), state);
    }

    @Override
    protected void onTimerWithNothingDue(long timestamp, boolean waiting) throws Exception {
        ItemState state = items.value(currentKey());
        // The final watermark of a bounded input is not idleness: keep everything. A remnant (no neighbours, no
        // trending) has already expired.
        if (state != null
                && !waiting
                && !state.isExpired()
                && currentWatermark() != Long.MAX_VALUE
                && Timers.expiryTimer(state.lastEventTime, config.itemTtlMs) <= timestamp) {
            // Tell serving to drop the item: an empty snapshot is a tombstone.
            emit(
                    FreshRecState.MODEL_DELTAS,
                    ItemState.create(state.snapshot.item, timestamp).publish(timestamp),
                    timestamp);
            cooccurrence.clear();
            cache.clear(currentKey());
            // Other items still hold their (decaying) co-occurrence with this one. Keep its decaying norm, a few
            // bytes, so that if it comes back its similarities are not inflated by a fresh, tiny norm.
            ItemState remnant = ItemState.create(state.snapshot.item, state.snapshot.time);
            remnant.snapshot.norm = state.snapshot.norm;
            remnant.lastEventTime = state.lastEventTime;
            remnant.lastVersionTime = timestamp;
            items.update(currentKey(), remnant);
            itemsExpired.inc();
            itemsHeld.add(-1);
        }
    }

    @Override
    public void flushState() throws Exception {
        cache.flush();
    }

    /** The cache's writer: an item's entries to its map (the item need not be the current key). */
    private void writeCooccurrences(long item, long[] others, double[] values, long[] times, int n) throws Exception {
        // In the order given (the state backend's): putAll writes a batch in the map's iteration order.
        Map<Long, DecayedValue> entries = new LinkedHashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            entries.put(others[i], new DecayedValue(values[i], times[i]));
        }
        WritesBackState.atKey(this, item, () -> cooccurrence.putAll(entries));
    }

    /** Writes the step's co-occurrences to the cache (and to the map unless the cache writes them back). */
    private void write(Map<Long, DecayedValue> step) throws Exception {
        if (step.isEmpty()) {
            return;
        }
        if (!cache.writesBack()) {
            cooccurrence.putAll(step);
        }
        long item = currentKey();
        for (Map.Entry<Long, DecayedValue> entry : step.entrySet()) {
            cache.put(item, entry.getKey(), entry.getValue());
        }
        step.clear();
    }

    /**
     * Counts the item's map when it was not counted yet, and prunes it when it holds more than the bound
     * ({@link CooccurrencePruning}).
     */
    private void prune(ItemState state) throws Exception {
        long item = currentKey();
        int n = 0;
        long[] keys = new long[Math.max(16, state.cooccurrences)];
        double[] values = new double[keys.length];
        int held = cache.sizeIfAll(item);
        if (held >= 0) {
            // The cache holds the whole map: no RocksDB iteration.
            keys = new long[held];
            values = new double[held];
            long[] times = new long[held];
            n = cache.copyAll(item, keys, values, times);
            for (int i = 0; i < n; i++) {
                values[i] = Decay.at(values[i], times[i], state.snapshot.time, config.similarityHalfLifeMs);
            }
        } else {
            cache.flush(item); // the map, read whole, must have every change
            DecayedValue[] read = new DecayedValue[keys.length];
            for (Map.Entry<Long, DecayedValue> entry : cooccurrence.entries()) {
                if (n == keys.length) {
                    keys = Arrays.copyOf(keys, n * 2);
                    values = Arrays.copyOf(values, n * 2);
                    read = Arrays.copyOf(read, n * 2);
                }
                keys[n] = entry.getKey();
                read[n] = entry.getValue();
                values[n++] = entry.getValue().valueAt(state.snapshot.time, config.similarityHalfLifeMs);
            }
            cache.holdAll(item, keys, read, n);
        }
        state.cooccurrences = n;
        if (!CooccurrencePruning.due(n, config.cooccurrenceBound())) {
            return;
        }
        int[] drop = CooccurrencePruning.select(
                Arrays.copyOf(keys, n),
                Arrays.copyOf(values, n),
                state.snapshot.neighbours,
                config.cooccurrenceBound(),
                config.cooccurrencePruneBelow);
        for (int index : drop) {
            cooccurrence.remove(keys[index]);
            cache.remove(item, keys[index]);
        }
        state.cooccurrences -= drop.length;
        cooccurrencesPruned.inc(drop.length);
    }

    /**
     * @param version the co-occurrences this version has changed so far
     * @param step those earlier versions of this step changed (not yet written to the map)
     */
    private void apply(
            ItemState state, ItemUpdate update, Map<Long, DecayedValue> version, Map<Long, DecayedValue> step)
            throws Exception {
        if (update.others.length > 0) {
            long item = currentKey();
            state.advanceTo(update.time, config);
            for (int i = 0; i < update.others.length; i++) {
                long other = update.others[i];
                DecayedValue value = version.get(other);
                if (value == null) {
                    value = state.knownCooccurrence(other);
                    if (value == null) {
                        value = step.get(other);
                    }
                    if (value == null) {
                        // Not a neighbour, not changed this step: its co-occurrence is only in the map (a RocksDB
                        // read).
                        value = cache.get(item, other);
                        if (value == null && !cache.holdsAll(item)) {
                            value = cooccurrence.get(other);
                        }
                    }
                    if (value == null) {
                        value = new DecayedValue();
                        if (state.cooccurrences >= 0) {
                            state.cooccurrences++; // a new entry of the map
                        }
                    }
                    version.put(other, value);
                }
                value.add(update.amounts[i], update.time, config.similarityHalfLifeMs);
                state.offerNeighbour(
                        other, value.valueAt(state.snapshot.time, config.similarityHalfLifeMs), config.neighbours);
            }
            state.lastEventTime = Math.max(state.lastEventTime, update.time);
        }
        if (update.interaction) {
            state.addInteraction(update.weight, update.normIncrement, update.time, config);
        }
    }
}
