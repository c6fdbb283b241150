package io.freshrec.job;

import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemState;
import io.freshrec.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by item. Holds the item's decayed norm and trending weight, its full decayed co-occurrence
 * map (RocksDB map state) and its top neighbour candidates (queryable as {@code similar-items}).
 *
 * <p>Updates are buffered and applied per model version: the version at event time W (a multiple of
 * the publish interval) applies, once the watermark passes W, exactly the buffered updates before W,
 * in (time, item) order, and publishes the item's snapshot to {@link FreshRecState#MODEL_DELTAS}.
 * So a version's content does not depend on how updates from different users interleave, and each
 * item's state is read and written once per version rather than once per update.
 */
public class ItemModelFunction extends KeyedProcessFunction<Long, ItemUpdate, Void> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    /** A total order on updates, so floating-point sums do not depend on arrival order either. */
    private static final Comparator<ItemUpdate> APPLY_ORDER = Comparator.<ItemUpdate>comparingLong(u -> u.time)
            .thenComparing(u -> !u.interaction)
            .thenComparingDouble(u -> u.weight)
            .thenComparingDouble(u -> u.normIncrement)
            .thenComparing(u -> u.others, Arrays::compare)
            .thenComparing(u -> u.amounts, Arrays::compare);

    private final ModelConfig config;
    private transient ValueState<ItemState> items;
    private transient MapState<Long, DecayedValue> cooccurrence;
    private transient ListState<ItemUpdate> pending;
    private transient Counter itemsCreated;
    private transient Counter itemsExpired;
    /** Items held by this subtask (restored with the job, for the "items" gauge). */
    private transient CheckpointedCount itemsHeld;

    private transient Counter publications;
    private transient Counter lateUpdates;

    public ItemModelFunction(ModelConfig config) {
        this.config = config;
    }

    @Override
    public void open(Configuration parameters) {
        items = getRuntimeContext().getState(FreshRecState.itemState());
        cooccurrence = getRuntimeContext().getMapState(FreshRecState.cooccurrence());
        pending = getRuntimeContext().getListState(FreshRecState.pendingItemUpdates());
        itemsCreated = getRuntimeContext().getMetricGroup().counter(MetricNames.ITEMS_CREATED);
        getRuntimeContext().getMetricGroup().meter(MetricNames.NEW_ITEMS_PER_SECOND, new MeterView(itemsCreated, 5));
        itemsExpired = getRuntimeContext().getMetricGroup().counter(MetricNames.ITEMS_EXPIRED);
        publications = getRuntimeContext().getMetricGroup().counter(MetricNames.PUBLICATIONS);
        lateUpdates = getRuntimeContext().getMetricGroup().counter(MetricNames.LATE_UPDATES);
        getRuntimeContext().getMetricGroup().gauge(MetricNames.ITEMS, () -> itemsHeld.get());
    }

    @Override
    public void processElement(ItemUpdate update, Context ctx, Collector<Void> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        if (update.time <= watermark) {
            lateUpdates.inc(); // goes into the next version
        }
        update.versionTime = Timers.nextMultiple(Math.max(update.time, watermark), config.publishIntervalMs);
        pending.add(update);
        ctx.timerService().registerEventTimeTimer(update.versionTime);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Void> out) throws Exception {
        // Every version the watermark has passed is due now: apply and publish them in order in this
        // one call (a replay passes many at once; later timers of this key then find nothing to do).
        long watermark = ctx.timerService().currentWatermark();
        List<ItemUpdate> due = new ArrayList<>();
        List<ItemUpdate> later = new ArrayList<>();
        for (ItemUpdate update : pending.get()) {
            (update.versionTime <= watermark ? due : later).add(update);
        }
        ItemState state = items.value();
        if (!due.isEmpty()) {
            if (later.isEmpty()) {
                pending.clear();
            } else {
                pending.update(later);
            }
            due.sort(Comparator.<ItemUpdate>comparingLong(u -> u.versionTime).thenComparing(APPLY_ORDER));
            if (state == null) {
                state = ItemState.create(ctx.getCurrentKey(), due.get(0).time);
                itemsCreated.inc();
                itemsHeld.add(1);
            } else if (state.isExpired()) {
                itemsHeld.add(1); // an expired item's remnant comes back to life: held again
            }
            // Co-occurrences are read once and written once per firing, however many updates touch them.
            Map<Long, DecayedValue> touched = new HashMap<>();
            for (int i = 0; i < due.size(); i++) {
                ItemUpdate update = due.get(i);
                apply(state, update, touched);
                if (i == due.size() - 1 || due.get(i + 1).versionTime != update.versionTime) {
                    ctx.output(FreshRecState.MODEL_DELTAS, state.publish(update.versionTime));
                    publications.inc();
                }
            }
            cooccurrence.putAll(touched);
            // Always (re)register: Flink keeps one timer per time, and the one being fired may be it.
            ctx.timerService().registerEventTimeTimer(Timers.expiryTimer(state.lastEventTime, config.itemTtlMs));
            items.update(state);
            return;
        }
        // The final watermark of a bounded input is not idleness: keep everything. A remnant (no
        // neighbours, no trending) has already expired.
        if (state != null
                && later.isEmpty()
                && !state.isExpired()
                && ctx.timerService().currentWatermark() != Long.MAX_VALUE
                && Timers.expiryTimer(state.lastEventTime, config.itemTtlMs) <= timestamp) {
            // Tell serving to drop the item: an empty snapshot is a tombstone.
            ctx.output(
                    FreshRecState.MODEL_DELTAS,
                    ItemState.create(state.snapshot.item, timestamp).publish(timestamp));
            cooccurrence.clear();
            // Other items still hold their (decaying) co-occurrence with this one. Keep its decaying norm,
            // a few bytes, so that if it comes back its similarities are not inflated by a fresh, tiny norm.
            ItemState remnant = ItemState.create(state.snapshot.item, state.snapshot.time);
            remnant.snapshot.norm = state.snapshot.norm;
            remnant.lastEventTime = state.lastEventTime;
            remnant.lastVersionTime = timestamp;
            items.update(remnant);
            itemsExpired.inc();
            itemsHeld.add(-1);
        }
    }

    private void apply(ItemState state, ItemUpdate update, Map<Long, DecayedValue> touched) throws Exception {
        if (update.others.length > 0) {
            state.advanceTo(update.time, config);
            for (int i = 0; i < update.others.length; i++) {
                long other = update.others[i];
                DecayedValue value = touched.get(other);
                if (value == null) {
                    value = cooccurrence.get(other);
                    if (value == null) {
                        value = new DecayedValue();
                    }
                    touched.put(other, value);
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

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        itemsHeld = CheckpointedCount.sum(context, "items-held");
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        itemsHeld.snapshot();
    }
}
