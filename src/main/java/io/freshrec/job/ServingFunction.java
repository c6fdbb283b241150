package io.freshrec.job;

import io.freshrec.model.ModelConfig;
import io.freshrec.model.ModelView;
import io.freshrec.model.QualityBreaker;
import io.freshrec.model.QualityTrend;
import io.freshrec.model.RecallTracker;
import io.freshrec.model.Recommendations;
import io.freshrec.model.Scorer;
import io.freshrec.model.SeenItems;
import io.freshrec.model.UserHistory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.accumulators.DoubleCounter;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.streaming.api.operators.KeyContext;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;
import org.apache.flink.util.Collector;

/**
 * Keyed by user, joined with the broadcast model. Keeps each user's top-N list in queryable state
 * {@code recommendations} (seen items excluded, trending items for cold start), recomputed on
 * every interaction of the user and once more when the input ends. Before an interaction is
 * applied, it is scored against the list the user was being served (prequential recall@10).
 *
 * <p>Every list put in queryable state is also emitted, so a sink of the output (Kafka, Redis) ends with what
 * queryable state serves, also after a restore: a refresh timer of a list computed before this subtask started
 * recomputes and emits it even when the model has not moved on, because the run that failed may have emitted a
 * newer list after the checkpoint that nothing in the replay would otherwise replace.
 */
public class ServingFunction extends KeyedBroadcastProcessFunction<Long, ProfileUpdate, ModelUpdate, Recommendations>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    public static final int RECALL_AT = 10;
    /** Timer that fires only when the input ends (bounded replays): refresh with the final model. */
    private static final long END_OF_INPUT = Long.MAX_VALUE;

    /** Refresh a user's list for this many refresh intervals after their last interaction. */
    static final int REFRESH_WHILE_ACTIVE = 10;

    private final ModelConfig config;
    private final int recallWindow;
    private final boolean alignToModel;
    private final long refreshIntervalMs;
    private final QualityBreaker.Settings breakerSettings;
    private final long trendWindowMs;
    static final QualityBreaker.Settings DISABLED_BREAKER = new QualityBreaker.Settings(false, 0.5, 0, 1, 1);
    static final long DEFAULT_TREND_WINDOW_MS = 60_000;
    /** This subtask's quality breaker (operator state: a restore at the same parallelism keeps it open). */
    private transient QualityBreaker breaker;

    private transient ListState<QualityBreaker> breakerState;
    /** While the breaker is open: recall of the lists the newest model would have served. */
    private transient RecallTracker candidateRecall;

    private transient QualityTrend trend;
    private transient Counter alerts;
    private transient long frozenVersion;
    private transient Counter refreshes;
    private transient ListState<ProfileUpdate> pending;
    private transient Scorer scorer;
    /** The published model as this subtask holds it (broadcast state) and the scorer reads it (compact). */
    private transient ServingModel published;

    /** This subtask's processing time when it opened: lists updated before were computed by an earlier run. */
    private transient long startedAt;

    /**
     * The users' state, each with a heap copy of recently active users' values: the lists written through (queryable
     * state reads them as they change), histories and seen items written back at each checkpoint when the
     * function runs in {@link ServingOperator}.
     */
    private transient CachedValueState<Recommendations> recommendations;

    private transient CachedValueState<UserHistory> history;
    private transient CachedValueState<SeenItems> seen;
    private transient RecallTracker recall;
    /** Accumulators, readable from the job result once a bounded replay has finished. */
    public static final String ACC_HITS = "prequential-hits";

    public static final String ACC_SCORED = "prequential-scored";
    /** Sum of NDCG@10 gains of the scored events (divide by {@link #ACC_SCORED}). */
    public static final String ACC_NDCG = "prequential-ndcg-gain";
    /** Distinct items of the top-10 lists scored events were scored against (only with {@link #trackServedItems}). */
    public static final String ACC_SERVED_ITEMS = "prequential-served-items";

    /** The operator's key context when it writes heap copies back ({@link ServingOperator}); null: written through. */
    private transient KeyContext keys;

    private boolean trackServedItems;
    private int maxItems = Integer.MAX_VALUE;
    private long cacheBytes = DEFAULT_CACHE_BYTES;

    /**
     * Default heap each serving subtask spends on copies of recently active users' state (estimated bytes): half for
     * their seen items (up to 8 KB a user at a seen limit of 1,000), a quarter each for histories and lists.
     */
    static final long DEFAULT_CACHE_BYTES = BundledKeyedOperator.DEFAULT_CACHE_BYTES;

    private transient ServedItems servedItems;
    /** NDCG gains are kept in operator state as integers in millionths. */
    private static final double GAIN_SCALE = 1e6;

    private transient LongCounter hitsTotal;
    private transient LongCounter scoredTotal;
    private transient DoubleCounter ndcgTotal;
    private transient Counter hits;
    private transient Counter scored;
    private transient Counter usersCreated;
    private transient Counter usersExpired;
    /** Users held by this subtask (restored with the job, for the "users" gauge). */
    private transient CheckpointedCount usersHeld;
    /** Prequential hits and scored events since the model began, across restores and failovers. */
    private transient CheckpointedCount modelHits;

    private transient CheckpointedCount modelScored;
    private transient CheckpointedCount modelGainMicros;
    private transient DescriptiveStatisticsHistogram freshness;

    /**
     * @param alignToModel serve each interaction only once the model has caught up with its event
     *     time (exact prequential figures for replays; adds about a watermark interval of latency)
     */
    public ServingFunction(ModelConfig config, int recallWindow, boolean alignToModel) {
        this(config, recallWindow, alignToModel, 0);
    }

    /**
     * @param refreshIntervalMs how often (wall clock) a recently active user's list is recomputed when
     *     the model moved on; 0 disables (refreshes never happen with align-to-model)
     */
    public ServingFunction(ModelConfig config, int recallWindow, boolean alignToModel, long refreshIntervalMs) {
        this(config, recallWindow, alignToModel, refreshIntervalMs, DISABLED_BREAKER, DEFAULT_TREND_WINDOW_MS);
    }

    /**
     * @param breaker the quality circuit breaker's settings
     * @param trendWindowMs event-time window of the recall trend gauge
     */
    public ServingFunction(
            ModelConfig config,
            int recallWindow,
            boolean alignToModel,
            long refreshIntervalMs,
            QualityBreaker.Settings breaker,
            long trendWindowMs) {
        this.config = config;
        this.recallWindow = recallWindow;
        this.alignToModel = alignToModel;
        this.refreshIntervalMs = refreshIntervalMs;
        this.breakerSettings = breaker;
        this.trendWindowMs = trendWindowMs;
    }

    /** Collect the items of the lists events are scored against (catalogue coverage of a bounded replay). */
    public ServingFunction trackServedItems(boolean enabled) {
        this.trackServedItems = enabled;
        return this;
    }

    /** Items this subtask's copy of the model holds at most; the least trending is evicted beyond it. */
    public ServingFunction maxItems(int items) {
        if (items < 1) {
            throw new IllegalArgumentException("max items must be at least 1");
        }
        this.maxItems = items;
        return this;
    }

    /** Heap (estimated bytes) this subtask spends on copies of recently active users' state; 0: none. */
    public ServingFunction cacheBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("the cache size must not be negative");
        }
        this.cacheBytes = bytes;
        return this;
    }

    /** Called by {@link ServingOperator} before {@link #open}: histories and seen items are written back. */
    void writeBackWith(KeyContext operatorKeys) {
        this.keys = operatorKeys;
    }

    /** Writes the histories and seen items held only on the heap to state (write-back; else nothing to do). */
    void flushState() throws IOException {
        if (keys != null) {
            seen.flush();
            history.flush();
        }
    }

    @Override
    public void open(Configuration parameters) {
        startedAt = ((StreamingRuntimeContext) getRuntimeContext())
                .getProcessingTimeService()
                .getCurrentProcessingTime();
        scorer = new Scorer(config);
        recommendations = new CachedValueState<>(
                getRuntimeContext().getState(FreshRecState.recommendations()),
                list -> 96 + 16L * list.items.length,
                cacheBytes / 4);
        history = new CachedValueState<>(
                getRuntimeContext().getState(FreshRecState.servingHistory()),
                known -> 128 + 24L * known.items.length,
                cacheBytes / 4,
                keys,
                getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks());
        seen = new CachedValueState<>(
                getRuntimeContext().getState(FreshRecState.seenItems()),
                items -> 64 + 16L * items.items.length, // the items and their sorted copy
                cacheBytes / 2,
                keys,
                getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks());
        pending = getRuntimeContext().getListState(FreshRecState.pendingProfiles());
        recall = new RecallTracker(recallWindow);
        var metrics = getRuntimeContext().getMetricGroup();
        hits = metrics.counter(MetricNames.PREQUENTIAL_HITS);
        scored = metrics.counter(MetricNames.PREQUENTIAL_SCORED);
        hitsTotal = new LongCounter();
        scoredTotal = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_HITS, hitsTotal);
        getRuntimeContext().addAccumulator(ACC_SCORED, scoredTotal);
        ndcgTotal = new DoubleCounter();
        getRuntimeContext().addAccumulator(ACC_NDCG, ndcgTotal);
        if (trackServedItems) {
            servedItems = new ServedItems();
            getRuntimeContext().addAccumulator(ACC_SERVED_ITEMS, servedItems);
        }
        usersCreated = metrics.counter(MetricNames.USERS_CREATED);
        usersExpired = metrics.counter(MetricNames.USERS_EXPIRED);
        refreshes = metrics.counter(MetricNames.REFRESHES);
        metrics.gauge(MetricNames.USERS, () -> usersHeld.get());
        metrics.gauge(MetricNames.USER_CACHE_HITS, () -> seen.hits() + history.hits() + recommendations.hits());
        metrics.gauge(MetricNames.USER_CACHE_MISSES, () -> seen.misses() + history.misses() + recommendations.misses());
        metrics.gauge(MetricNames.PREQUENTIAL_HITS_TOTAL, () -> modelHits.get());
        metrics.gauge(MetricNames.PREQUENTIAL_SCORED_TOTAL, () -> modelScored.get());
        metrics.gauge(MetricNames.RECALL_TOTAL, () -> recall.total());
        metrics.gauge(MetricNames.RECALL_ROLLING, () -> recall.rolling());
        metrics.gauge(MetricNames.NDCG_ROLLING, () -> recall.ndcgRolling());
        // Since the model began (restored with it), like prequentialScoredTotal: sum over subtasks, then divide.
        metrics.gauge(MetricNames.PREQUENTIAL_NDCG_GAIN_TOTAL, () -> modelGainMicros.get() / GAIN_SCALE);
        metrics.gauge(MetricNames.MODEL_VERSION, () -> published.newestVersion());
        metrics.gauge(MetricNames.MODEL_ITEMS, () -> published.items());
        metrics.gauge(MetricNames.SERVING_ITEMS_EVICTED, () -> published.evictions());
        freshness = metrics.histogram(MetricNames.FRESHNESS_MS, new DescriptiveStatisticsHistogram(10_000));
        candidateRecall = new RecallTracker(recallWindow);
        trend = new QualityTrend(trendWindowMs);
        alerts = metrics.counter(MetricNames.QUALITY_ALERTS);
        metrics.gauge(MetricNames.QUALITY_BREAKER_OPEN, () -> breaker.isOpen() ? 1 : 0);
        metrics.gauge(MetricNames.QUALITY_BREAKER_TRIPS, () -> breaker.trips);
        metrics.gauge(MetricNames.QUALITY_BASELINE, () -> Double.isNaN(breaker.baseline) ? 0.0 : breaker.baseline);
        metrics.gauge(MetricNames.FROZEN_MODEL_VERSION, () -> breaker.isOpen() ? breaker.pinnedVersion : 0L);
        metrics.gauge(
                MetricNames.CANDIDATE_RECALL_ROLLING,
                () -> breaker.isOpen() ? candidateRecall.rolling() : recall.rolling());
        metrics.gauge(MetricNames.RECALL_TREND, () -> trend.slope());
    }

    @Override
    public void processBroadcastElement(ModelUpdate update, Context ctx, Collector<Recommendations> out)
            throws Exception {
        // Readers ask for the model at event times not behind this subtask's watermark (or the newest), and for
        // the version from before a quality drop while the breaker pins it.
        published.apply(
                update,
                ctx.getBroadcastState(FreshRecState.MODEL_ITEMS),
                ctx.getBroadcastState(FreshRecState.MODEL_VERSION),
                alignToModel ? ctx.currentWatermark() : Long.MAX_VALUE,
                breaker.pinnedTime);
    }

    @Override
    public void processElement(ProfileUpdate update, ReadOnlyContext ctx, Collector<Recommendations> out)
            throws Exception {
        if (alignToModel && update.time > ctx.timerService().currentWatermark()) {
            // Wait until the model has caught up with everything before this event.
            pending.add(update);
            ctx.timerService().registerEventTimeTimer(update.time);
            return;
        }
        serve(update, ctx, out);
    }

    private void serve(ProfileUpdate update, ReadOnlyContext ctx, Collector<Recommendations> out) throws Exception {
        long newest = alignToModel ? update.time : Long.MAX_VALUE;
        ModelView model = published.at(ctx.getBroadcastState(FreshRecState.MODEL_VERSION), servedAt(newest));
        long user = ctx.getCurrentKey();
        SeenItems seenItems = seen.value(user);
        UserHistory before = history.value(user);
        if (seenItems == null) {
            seenItems = new SeenItems();
            usersCreated.inc();
            usersHeld.add(1);
        }
        // On every interaction, not only the first: a job restored from a savepoint taken after a finite input
        // had ended (--keep-running) has used these timers up, and its own input ends again. Re-registering
        // an existing timer is a lookup.
        ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        if (before != null && !seenItems.contains(update.itemId)) {
            Recommendations served = recommendations.value(user);
            if (served == null || update.time - served.eventTime > config.maxStalenessMs) {
                // What a refreshing server would show the user at this moment.
                served = scorer.recommend(update.userId, before, seenItems, model, update.time);
            }
            int rank = served.rankInTop(update.itemId, RECALL_AT);
            if (servedItems != null) {
                for (int i = 0; i < Math.min(RECALL_AT, served.items.length); i++) {
                    servedItems.add(served.items[i]);
                }
            }
            recall.record(rank);
            if (breaker.isOpen()) {
                // What the newest model would have served: the breaker resumes serving when this recovers.
                ModelView candidate = published.at(ctx.getBroadcastState(FreshRecState.MODEL_VERSION), newest);
                candidateRecall.record(scorer.recommend(update.userId, before, seenItems, candidate, update.time)
                        .rankInTop(update.itemId, RECALL_AT));
            }
            trend.record(update.time, recall.rolling());
            observeQuality(update.time, ctx);
            scored.inc();
            scoredTotal.add(1L);
            modelScored.add(1);
            if (rank >= 0) {
                hits.inc();
                hitsTotal.add(1L);
                modelHits.add(1);
                double gain = RecallTracker.gain(rank);
                ndcgTotal.add(gain);
                modelGainMicros.add(Math.round(gain * GAIN_SCALE));
            }
        }
        seenItems.add(update.itemId, config.seenLimit);
        seen.update(user, seenItems);
        // A late event's profile carries a newer history than an earlier-timed one served after it.
        if (before == null || update.history.events >= before.events) {
            history.update(user, update.history);
        }
        Recommendations fresh = scorer.recommend(update.userId, update.history, seenItems, model, update.time);
        fresh.updatedAt = ctx.timerService().currentProcessingTime();
        fresh.activeAt = fresh.updatedAt;
        recommendations.update(user, fresh);
        out.collect(fresh);
        if (update.arrivedAt > 0) {
            freshness.update(Math.max(0, fresh.updatedAt - update.arrivedAt));
        }
        ctx.timerService().registerEventTimeTimer(Timers.expiryTimer(update.history.lastEventTime, config.userTtlMs));
        if (refreshIntervalMs > 0 && !alignToModel) {
            ctx.timerService()
                    .registerProcessingTimeTimer(
                            Timers.nextMultiple(fresh.updatedAt + refreshIntervalMs - 1, refreshIntervalMs));
        }
    }

    /**
     * Recomputes a recently active user's list when the model has moved on since, so lookups between
     * the user's own interactions still see what others did meanwhile; and once after a restore (see the class
     * comment). {@code now} is the timer's time, which for a timer restored from a checkpoint is in the past.
     */
    private void refresh(long now, OnTimerContext ctx, Collector<Recommendations> out) throws Exception {
        long user = ctx.getCurrentKey();
        Recommendations current = recommendations.value(user);
        UserHistory known = history.value(user);
        if (current == null || known == null) {
            return;
        }
        ModelView model = published.at(ctx.getBroadcastState(FreshRecState.MODEL_VERSION), Long.MAX_VALUE);
        if (breaker.isOpen()) {
            model = published.at(ctx.getBroadcastState(FreshRecState.MODEL_VERSION), servedAt(Long.MAX_VALUE));
        }
        if (model.version() > current.modelVersion || current.updatedAt < startedAt) {
            // The user's time: the watermark when it has passed their last event, but not the end of time, which
            // an ended input sends (a restored job's refresh may come after it): everything would decay to nothing.
            long watermark = ctx.timerService().currentWatermark();
            long eventTime =
                    watermark == Long.MAX_VALUE ? known.lastEventTime : Math.max(known.lastEventTime, watermark);
            Recommendations fresh = scorer.recommend(user, known, seen.value(user), model, eventTime);
            // The clock, not the timer's time: a restored timer fires late, and the list is computed now.
            fresh.updatedAt = ctx.timerService().currentProcessingTime();
            fresh.activeAt = current.activeAt;
            recommendations.update(user, fresh);
            out.collect(fresh);
            refreshes.inc();
        }
        if (now - current.activeAt < REFRESH_WHILE_ACTIVE * refreshIntervalMs) {
            ctx.timerService().registerProcessingTimeTimer(Timers.nextMultiple(now, refreshIntervalMs));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Recommendations> out) throws Exception {
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            refresh(timestamp, ctx, out);
            return;
        }
        if (alignToModel) {
            // Everything the watermark has passed, in one call: serving per timer would rewrite the pending list
            // once per event (quadratic in a user's backlog).
            long watermark = ctx.timerService().currentWatermark();
            List<ProfileUpdate> due = new ArrayList<>();
            List<ProfileUpdate> later = new ArrayList<>();
            for (ProfileUpdate update : pending.get()) {
                (update.time <= watermark ? due : later).add(update);
            }
            if (!due.isEmpty()) {
                due.sort(Comparator.comparingLong(update -> update.time));
                for (ProfileUpdate update : due) {
                    serve(update, ctx, out);
                }
                pending.update(later);
            }
        }
        long user = ctx.getCurrentKey();
        UserHistory current = history.value(user);
        if (current == null) {
            return;
        }
        if (timestamp == END_OF_INPUT) {
            ModelView model =
                    published.at(ctx.getBroadcastState(FreshRecState.MODEL_VERSION), servedAt(Long.MAX_VALUE));
            Recommendations fresh = scorer.recommend(user, current, seen.value(user), model, current.lastEventTime);
            fresh.updatedAt = ctx.timerService().currentProcessingTime();
            Recommendations previous = recommendations.value(user);
            fresh.activeAt = previous == null ? fresh.updatedAt : previous.activeAt;
            recommendations.update(user, fresh);
            out.collect(fresh);
        } else if (ctx.timerService().currentWatermark() != Long.MAX_VALUE
                && Timers.expiryTimer(current.lastEventTime, config.userTtlMs) <= timestamp) {
            recommendations.clear(user);
            history.clear(user);
            seen.clear(user);
            usersExpired.inc();
            usersHeld.add(-1);
        }
    }

    /** The event time of the model version to serve for a reader that wants {@code wanted}: the frozen one while open. */
    private long servedAt(long wanted) {
        return breaker.isOpen() ? Math.min(wanted, breaker.pinnedTime) : wanted;
    }

    private void observeQuality(long time, ReadOnlyContext ctx) throws Exception {
        ModelVersion log = ctx.getBroadcastState(FreshRecState.MODEL_VERSION).get(0);
        long newestTime = log == null || log.times.length == 0 ? Long.MIN_VALUE : log.times[log.times.length - 1];
        long newestVersion = log == null || log.versions.length == 0 ? 0 : log.versions[log.versions.length - 1];
        boolean wasOpen = breaker.isOpen();
        QualityBreaker.Transition transition = breaker.observe(
                breakerSettings,
                time,
                recall.rolling(),
                recall.isWindowFull(),
                candidateRecall.rolling(),
                candidateRecall.isWindowFull(),
                newestTime,
                newestVersion);
        if (transition == QualityBreaker.Transition.NONE) {
            return;
        }
        QualityAlert alert = new QualityAlert();
        alert.kind = transition == QualityBreaker.Transition.OPENED ? QualityAlert.OPENED : QualityAlert.CLOSED;
        alert.subtask = getRuntimeContext().getIndexOfThisSubtask();
        alert.eventTime = time;
        alert.raisedAt = System.currentTimeMillis();
        alert.recall = wasOpen ? candidateRecall.rolling() : recall.rolling();
        alert.baseline = breaker.baseline;
        alert.frozenVersion = wasOpen ? frozenVersion : breaker.pinnedVersion;
        frozenVersion = breaker.pinnedVersion;
        if (transition == QualityBreaker.Transition.OPENED) {
            candidateRecall = new RecallTracker(recallWindow);
        }
        alerts.inc();
        ctx.output(FreshRecState.QUALITY_ALERTS, alert);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        usersHeld = CheckpointedCount.sum(context, "users-held");
        modelHits = CheckpointedCount.sum(context, "prequential-hits-total");
        modelScored = CheckpointedCount.sum(context, "prequential-scored-total");
        modelGainMicros = CheckpointedCount.sum(context, "prequential-ndcg-gain-micros-total");
        breakerState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("quality-breaker", FreshRecState.QUALITY_BREAKER));
        List<QualityBreaker> restored = new ArrayList<>();
        breakerState.get().forEach(restored::add);
        // Same parallelism: this subtask's own breaker. Rescaled: start again (a new baseline is learnt).
        // A job started with the breaker disabled serves the newest model whatever the version it restores said.
        breaker = restored.size() == 1 && breakerSettings.enabled ? restored.get(0) : new QualityBreaker();
        frozenVersion = breaker.pinnedVersion;
        published = new ServingModel(config, alignToModel, maxItems);
        published.restore(context.getOperatorStateStore());
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        usersHeld.snapshot();
        modelHits.snapshot();
        modelScored.snapshot();
        modelGainMicros.snapshot();
        breakerState.update(List.of(breaker));
    }
}
