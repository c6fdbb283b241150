package io.freshrec.job;

import io.freshrec.events.Interaction;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.UserHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by user. Applies each user's interactions in event-time order (buffered until the
 * watermark passes them, with a deterministic tie-break), keeps the bounded decayed history, and
 * emits the item updates each interaction causes (main output) and the user's new profile
 * ({@link FreshRecState#PROFILE_UPDATES}). Idle users are forgotten by timers.
 */
public class UserHistoryFunction extends KeyedProcessFunction<Long, Interaction, ItemUpdate> {
    private static final long serialVersionUID = 1L;

    /** Canonical order of one user's events: time, then content, so replays are deterministic. */
    public static final Comparator<Interaction> EVENT_ORDER = Comparator.<Interaction>comparingLong(e -> e.timestamp)
            .thenComparingLong(e -> e.itemId)
            .thenComparing(e -> e.type)
            .thenComparingDouble(e -> e.value);

    private final ModelConfig config;
    private transient ValueState<UserHistory> history;
    private transient ListState<Interaction> pending;
    private transient Counter lateEvents;
    private transient Counter usersCreated;
    private transient Counter usersExpired;

    public UserHistoryFunction(ModelConfig config) {
        this.config = config;
    }

    @Override
    public void open(Configuration parameters) {
        history = getRuntimeContext().getState(FreshRecState.userHistory());
        pending = getRuntimeContext().getListState(FreshRecState.pendingEvents());
        lateEvents = getRuntimeContext().getMetricGroup().counter(MetricNames.LATE_EVENTS);
        usersCreated = getRuntimeContext().getMetricGroup().counter(MetricNames.USERS_CREATED);
        getRuntimeContext().getMetricGroup().meter(MetricNames.NEW_USERS_PER_SECOND, new MeterView(usersCreated, 5));
        usersExpired = getRuntimeContext().getMetricGroup().counter(MetricNames.USERS_EXPIRED);
    }

    @Override
    public void processElement(Interaction event, Context ctx, Collector<ItemUpdate> out) throws Exception {
        if (event.timestamp <= ctx.timerService().currentWatermark()) {
            // Behind the watermark: its place in the order has passed; apply now rather than drop it.
            lateEvents.inc();
            apply(event, ctx, out);
            return;
        }
        pending.add(event);
        ctx.timerService().registerEventTimeTimer(event.timestamp);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ItemUpdate> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        List<Interaction> due = new ArrayList<>();
        List<Interaction> later = new ArrayList<>();
        for (Interaction event : pending.get()) {
            (event.timestamp <= watermark ? due : later).add(event);
        }
        if (!due.isEmpty()) {
            due.sort(EVENT_ORDER);
            for (Interaction event : due) {
                apply(event, ctx, out);
            }
            pending.update(later);
            return;
        }
        UserHistory current = history.value();
        // The final watermark of a bounded input is not idleness: keep everything.
        if (current != null
                && later.isEmpty()
                && watermark != Long.MAX_VALUE
                && Timers.expiryTimer(current.lastEventTime, config.userTtlMs) <= timestamp) {
            history.clear();
            pending.clear();
            usersExpired.inc();
        }
    }

    private void apply(Interaction event, Context ctx, Collector<ItemUpdate> out) throws Exception {
        UserHistory current = history.value();
        if (current == null) {
            current = new UserHistory();
            usersCreated.inc();
        }
        double weight = config.weights.weightOf(event);
        // Pairs of the interacted item are batched into its own update (one state access there).
        int capacity = current.size();
        long[] others = new long[capacity];
        double[] amounts = new double[capacity];
        int[] count = {0};
        double[] self = new double[2];
        current.apply(event.itemId, weight, event.timestamp, config, new UserHistory.UpdateSink() {
            @Override
            public void pair(long item, long other, double amount, long time) {
                if (item == event.itemId) {
                    others[count[0]] = other;
                    amounts[count[0]++] = amount;
                } else {
                    out.collect(ItemUpdate.pair(item, other, amount, time));
                }
            }

            @Override
            public void item(long item, double itemWeight, double normIncrement, long time) {
                self[0] = itemWeight;
                self[1] = normIncrement;
            }
        });
        out.collect(ItemUpdate.interaction(
                event.itemId,
                self[0],
                self[1],
                Arrays.copyOf(others, count[0]),
                Arrays.copyOf(amounts, count[0]),
                event.timestamp));
        history.update(current);
        ctx.output(
                FreshRecState.PROFILE_UPDATES,
                new ProfileUpdate(event.userId, event.itemId, event.timestamp, event.ingestedAt, current.copy()));
        ctx.timerService().registerEventTimeTimer(Timers.expiryTimer(current.lastEventTime, config.userTtlMs));
    }
}
