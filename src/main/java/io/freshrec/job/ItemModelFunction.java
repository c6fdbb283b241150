package io.freshrec.job;

import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemState;
import io.freshrec.model.ModelConfig;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by item. Holds the item's decayed norm and trending weight, its full decayed co-occurrence
 * map (RocksDB map state) and its top neighbour candidates (queryable as {@code similar-items}).
 * Changed items are published once per publish interval of event time to {@link
 * FreshRecState#MODEL_DELTAS}; the main output is unused.
 */
public class ItemModelFunction extends KeyedProcessFunction<Long, ItemUpdate, Void> {
    private static final long serialVersionUID = 1L;

    private final ModelConfig config;
    private transient ValueState<ItemState> items;
    private transient MapState<Long, DecayedValue> cooccurrence;
    private transient Counter itemsCreated;
    private transient Counter itemsExpired;
    private transient Counter publications;

    public ItemModelFunction(ModelConfig config) {
        this.config = config;
    }

    @Override
    public void open(Configuration parameters) {
        items = getRuntimeContext().getState(FreshRecState.itemState());
        cooccurrence = getRuntimeContext().getMapState(FreshRecState.cooccurrence());
        itemsCreated = getRuntimeContext().getMetricGroup().counter("itemsCreated");
        itemsExpired = getRuntimeContext().getMetricGroup().counter("itemsExpired");
        publications = getRuntimeContext().getMetricGroup().counter("publications");
    }

    @Override
    public void processElement(ItemUpdate update, Context ctx, Collector<Void> out) throws Exception {
        ItemState state = items.value();
        if (state == null) {
            state = ItemState.create(update.item, update.time);
            itemsCreated.inc();
        }
        if (state.publishAt != Long.MIN_VALUE && update.time >= state.publishAt) {
            // The pending version must not contain this (later) update: publish it now.
            ctx.output(FreshRecState.MODEL_DELTAS, state.publish());
            publications.inc();
        }
        long previousExpiry = state.lastEventTime == Long.MIN_VALUE
                ? Long.MIN_VALUE : Timers.expiryTimer(state.lastEventTime, config.itemTtlMs);
        if (update.others.length > 0) {
            state.advanceTo(update.time, config);
            for (int i = 0; i < update.others.length; i++) {
                long other = update.others[i];
                DecayedValue value = cooccurrence.get(other);
                if (value == null) {
                    value = new DecayedValue();
                }
                value.add(update.amounts[i], update.time, config.similarityHalfLifeMs);
                cooccurrence.put(other, value);
                state.offerNeighbour(other, value.valueAt(state.snapshot.time, config.similarityHalfLifeMs), config.neighbours);
            }
            state.lastEventTime = Math.max(state.lastEventTime, update.time);
        }
        if (update.interaction) {
            state.addInteraction(update.weight, update.normIncrement, update.time, config);
        }
        long expiry = Timers.expiryTimer(state.lastEventTime, config.itemTtlMs);
        if (expiry != previousExpiry) {
            ctx.timerService().registerEventTimeTimer(expiry);
        }
        if (state.publishAt == Long.MIN_VALUE) {
            // The version that first contains this update ends strictly after it: a version at time W
            // holds exactly the interactions before W.
            long after = Math.max(update.time, ctx.timerService().currentWatermark());
            state.publishAt = Timers.nextMultiple(after, config.publishIntervalMs);
            ctx.timerService().registerEventTimeTimer(state.publishAt);
        }
        items.update(state);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Void> out) throws Exception {
        ItemState state = items.value();
        if (state == null) {
            return;
        }
        if (state.publishAt != Long.MIN_VALUE && state.publishAt <= timestamp) {
            ctx.output(FreshRecState.MODEL_DELTAS, state.publish());
            publications.inc();
            items.update(state);
        }
        if (Timers.expiryTimer(state.lastEventTime, config.itemTtlMs) <= timestamp) {
            // Tell serving to drop the item: an empty snapshot is a tombstone.
            ItemState tombstone = ItemState.create(state.snapshot.item, timestamp);
            tombstone.publishAt = timestamp;
            ctx.output(FreshRecState.MODEL_DELTAS, tombstone.publish());
            items.clear();
            cooccurrence.clear();
            itemsExpired.inc();
        }
    }
}
