package io.freshrec.job;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.UserHistory;
import io.freshrec.model.UserRateLimit;
import io.freshrec.model.WatermarkLagAlert;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Keyed by user. Applies each user's interactions in event-time order (bundled in memory until the watermark passes
 * them, with a deterministic tie-break), keeps the bounded decayed history, and emits the item updates each
 * interaction causes (main output) and the user's new profile ({@link FreshRecState#PROFILE_UPDATES}). The history is
 * read and written once per user and watermark step. Idle users are forgotten by timers.
 */
public class UserHistoryOperator extends BundledKeyedOperator<Interaction, ItemUpdate> {
    private static final long serialVersionUID = 1L;

    /** Canonical order of one user's events: time, then content, so replays are deterministic. */
    public static final Comparator<Interaction> EVENT_ORDER = Comparator.<Interaction>comparingLong(e -> e.timestamp)
            .thenComparingLong(e -> e.itemId)
            .thenComparing(e -> e.type)
            .thenComparingDouble(e -> e.value);

    private final ModelConfig config;
    private int newIdRateAlert;
    private final long watermarkLagAlertMs;
    private transient WatermarkLagAlert lagAlert;
    /** The users' histories, with a heap copy of recently active users' (written back at each checkpoint). */
    private transient CachedValueState<UserHistory> history;

    private long cacheBytes = DEFAULT_CACHE_BYTES;
    private transient Counter lateEvents;
    private transient Counter usersCreated;
    private transient Counter usersExpired;
    private transient Counter rateLimited;
    private transient Counter deadLetters;
    private transient LongCounter deadLettersTotal;

    public UserHistoryOperator(ModelConfig config) {
        this(config, DEFAULT_MAX_BUNDLE_SIZE);
    }

    /** @param maxBundleSize records buffered in memory before they are moved to state */
    public UserHistoryOperator(ModelConfig config, int maxBundleSize) {
        this(config, maxBundleSize, 0);
    }

    /**
     * @param watermarkLagAlertMs raise an alert when the watermark falls this far behind the wall clock (a live
     *     source); 0: none
     */
    public UserHistoryOperator(ModelConfig config, int maxBundleSize, long watermarkLagAlertMs) {
        super(maxBundleSize);
        this.config = config;
        this.watermarkLagAlertMs = watermarkLagAlertMs;
    }

    /** Heap (estimated bytes) this subtask spends on copies of recently active users' histories; 0: none. */
    public UserHistoryOperator cacheBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("the cache size must not be negative");
        }
        this.cacheBytes = bytes;
        return this;
    }

    @Override
    protected ListStateDescriptor<Interaction> pendingDescriptor() {
        return FreshRecState.pendingEvents();
    }

    @Override
    protected long dueTime(Interaction event) {
        return event.timestamp;
    }

    /** Alert when more than {@code perSecond} new users a second arrive (live sources); 0: never. */
    public UserHistoryOperator alertOnNewIdsAbove(int perSecond) {
        this.newIdRateAlert = perSecond;
        return this;
    }

    @Override
    public void open() throws Exception {
        super.open();
        history = new CachedValueState<>(
                getPartitionedState(FreshRecState.userHistory()),
                known -> 128 + 24L * known.items.length,
                cacheBytes,
                this,
                getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks());
        lateEvents = getMetricGroup().counter(MetricNames.LATE_EVENTS);
        usersCreated = getMetricGroup().counter(MetricNames.USERS_CREATED);
        alertOnNewIds(usersCreated, "users", newIdRateAlert);
        getMetricGroup().meter(MetricNames.NEW_USERS_PER_SECOND, new MeterView(usersCreated, 5));
        usersExpired = getMetricGroup().counter(MetricNames.USERS_EXPIRED);
        rateLimited =
                getMetricGroup().addGroup(MetricNames.DEAD_LETTER_REASON).counter(MetricNames.RATE_LIMITED_REASON);
        deadLetters = getMetricGroup().counter(MetricNames.DEAD_LETTERS);
        // The job's dead-letter total (an accumulator merged by name with parse's).
        deadLettersTotal = new LongCounter();
        getRuntimeContext().addAccumulator(ParseFunction.ACC_DEAD_LETTERS, deadLettersTotal);
        // One subtask speaks for the job: every subtask sees the same watermark.
        if (watermarkLagAlertMs > 0 && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            lagAlert = new WatermarkLagAlert(watermarkLagAlertMs);
            Counter alerts = getMetricGroup().counter(MetricNames.WATERMARK_LAG_ALERTS);
            long every = Math.max(1000, Math.min(10_000, watermarkLagAlertMs / 4));
            getProcessingTimeService()
                    .scheduleWithFixedDelay(
                            now -> {
                                String alert = lagAlert.check(currentWatermark(), System.currentTimeMillis());
                                if (alert != null) {
                                    alerts.inc();
                                    System.err.println(alert);
                                }
                            },
                            every,
                            every);
        }
    }

    @Override
    public void flushState() throws Exception {
        history.flush();
    }

    @Override
    public void processElement(StreamRecord<Interaction> element) throws Exception {
        Interaction event = element.getValue();
        if (event.timestamp <= currentWatermark()) {
            // Behind the watermark: its place in the order has passed; apply now rather than drop it.
            lateEvents.inc();
            applyDue(List.of(event));
            return;
        }
        buffer(event, event.timestamp);
    }

    @Override
    protected void applyDue(List<Interaction> due) throws Exception {
        if (due.size() > 1) {
            due.sort(EVENT_ORDER);
        }
        UserHistory current = history.value(currentKey());
        for (Interaction event : due) {
            if (current == null) {
                current = new UserHistory();
                usersCreated.inc();
            }
            if (!UserRateLimit.admit(current, event.timestamp, config.userRateLimit)) {
                refuse(event);
                continue;
            }
            apply(event, current);
        }
        history.update(currentKey(), current);
        timers.registerEventTimeTimer(
                VoidNamespace.INSTANCE, Timers.expiryTimer(current.lastEventTime, config.userTtlMs));
    }

    @Override
    protected void onTimerWithNothingDue(long timestamp, boolean waiting) throws Exception {
        UserHistory current = history.value(currentKey());
        // The final watermark of a bounded input is not idleness: keep everything.
        if (current != null
                && !waiting
                && currentWatermark() != Long.MAX_VALUE
                && Timers.expiryTimer(current.lastEventTime, config.userTtlMs) <= timestamp) {
            history.clear(currentKey());
            usersExpired.inc();
        }
    }

    /** An event over its user's rate limit: a dead letter with the event as its payload (in the input's JSON). */
    private void refuse(Interaction event) {
        rateLimited.inc();
        deadLetters.inc();
        deadLettersTotal.add(1L);
        emit(
                FreshRecState.DEAD_LETTERS,
                DeadLetter.ofRecord(
                        MetricNames.RATE_LIMITED_REASON + ": user " + event.userId + " over " + config.userRateLimit
                                + " events a minute (freshrec.input.user-rate-limit)",
                        InteractionParser.toJson(event),
                        System.currentTimeMillis()),
                event.timestamp);
    }

    private void apply(Interaction event, UserHistory current) {
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
                    emit(ItemUpdate.pair(item, other, amount, time), event.timestamp);
                }
            }

            @Override
            public void item(long item, double itemWeight, double normIncrement, long time) {
                self[0] = itemWeight;
                self[1] = normIncrement;
            }
        });
        emit(
                ItemUpdate.interaction(
                        event.itemId,
                        self[0],
                        self[1],
                        Arrays.copyOf(others, count[0]),
                        Arrays.copyOf(amounts, count[0]),
                        event.timestamp),
                event.timestamp);
        emit(
                FreshRecState.PROFILE_UPDATES,
                new ProfileUpdate(event.userId, event.itemId, event.timestamp, event.ingestedAt, current.copy()),
                event.timestamp);
    }
}
