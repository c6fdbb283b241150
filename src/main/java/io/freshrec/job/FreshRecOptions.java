package io.freshrec.job;

import io.freshrec.events.Durations;
import io.freshrec.events.EventType;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.EventWeights;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.QualityBreaker;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

/**
 * FreshRec's typed settings. They live in {@code flink-conf/config.yaml} under {@code freshrec.}
 * beside Flink's own, and can be overridden with {@code -D key=value} on the command line.
 */
public final class FreshRecOptions {
    private FreshRecOptions() {}

    private static final ModelConfig DEFAULTS = new ModelConfig();

    /** The state TTLs must be at least this many times {@link #MAX_FUTURE}. */
    public static final int TTL_PER_MAX_FUTURE = 10;

    public static final ConfigOption<Integer> HISTORY_LENGTH = ConfigOptions.key("freshrec.model.history-length")
            .intType()
            .defaultValue(DEFAULTS.historyLength)
            .withDescription("Recent distinct items per user: co-occurrence window and scoring basis.");
    public static final ConfigOption<Integer> SEEN_LIMIT = ConfigOptions.key("freshrec.model.seen-limit")
            .intType()
            .defaultValue(DEFAULTS.seenLimit)
            .withDescription("Items remembered per user to exclude from recommendations.");
    public static final ConfigOption<Integer> NEIGHBOURS = ConfigOptions.key("freshrec.model.neighbours")
            .intType()
            .defaultValue(DEFAULTS.neighbours)
            .withDescription("Neighbour candidates kept per item (by decayed co-occurrence).");
    public static final ConfigOption<Integer> MAX_COOCCURRENCES = ConfigOptions.key("freshrec.model.max-cooccurrences")
            .intType()
            .noDefaultValue()
            .withDescription("Co-occurrence entries kept per item (its RocksDB map). When an item holds more, entries "
                    + "below freshrec.model.cooccurrence-prune-below are dropped, then the weakest until three quarters "
                    + "remain; neighbours are never among them. At least 2 x freshrec.model.neighbours; 0: no bound (a "
                    + "hot item's map grows with the catalogue). Default: 20 x freshrec.model.neighbours (1,000).");
    public static final ConfigOption<Double> COOCCURRENCE_PRUNE_BELOW = ConfigOptions.key(
                    "freshrec.model.cooccurrence-prune-below")
            .doubleType()
            .defaultValue(DEFAULTS.cooccurrencePruneBelow)
            .withDescription("Co-occurrence entries decayed below this value are dropped when an item's map is "
                    + "pruned (one view paired with a fresh history item adds 1.0).");
    public static final ConfigOption<Integer> TRENDING_SIZE = ConfigOptions.key("freshrec.model.trending-size")
            .intType()
            .defaultValue(DEFAULTS.trendingSize)
            .withDescription("Length of the global trending list.");
    public static final ConfigOption<Duration> SIMILARITY_HALF_LIFE = ConfigOptions.key(
                    "freshrec.model.similarity-half-life")
            .durationType()
            .defaultValue(Duration.ofMillis(DEFAULTS.similarityHalfLifeMs))
            .withDescription("Half-life of co-occurrence and item norms in event time; 0 disables decay.");
    public static final ConfigOption<Duration> HISTORY_HALF_LIFE = ConfigOptions.key("freshrec.model.history-half-life")
            .durationType()
            .defaultValue(Duration.ofMillis(DEFAULTS.historyHalfLifeMs))
            .withDescription("Half-life of a user's interest in an item of their history; 0 disables decay.");
    public static final ConfigOption<Duration> TRENDING_HALF_LIFE = ConfigOptions.key(
                    "freshrec.model.trending-half-life")
            .durationType()
            .defaultValue(Duration.ofMillis(DEFAULTS.trendingHalfLifeMs))
            .withDescription("Half-life of trending popularity.");
    public static final ConfigOption<Double> NORM_EXPONENT = ConfigOptions.key("freshrec.model.norm-exponent")
            .doubleType()
            .defaultValue(DEFAULTS.normExponent)
            .withDescription("alpha in C(j,c) / (N(j)^alpha N(c)^(1-alpha)); 0.5 is cosine.");
    public static final ConfigOption<Double> POPULARITY_BLEND = ConfigOptions.key("freshrec.model.popularity-blend")
            .doubleType()
            .defaultValue(DEFAULTS.popularityBlend)
            .withDescription("Weight of normalised trending popularity added to each candidate's score.");
    public static final ConfigOption<Duration> PUBLISH_INTERVAL = ConfigOptions.key("freshrec.model.publish-interval")
            .durationType()
            .defaultValue(Duration.ofMillis(DEFAULTS.publishIntervalMs))
            .withDescription("Event-time interval between model versions.");
    /** Prefix of the event weight options. */
    public static final String WEIGHT_PREFIX = "freshrec.model.weight.";
    /**
     * One option per event type with a fixed weight, {@code freshrec.model.weight.<wire name>}, derived from
     * {@link EventType} (default and description included), in its declaration order.
     */
    public static final Map<EventType, ConfigOption<Double>> WEIGHTS = weightOptions();

    public static final ConfigOption<Double> WEIGHT_RATING_BASE = ConfigOptions.key("freshrec.model.weight.rating-base")
            .doubleType()
            .defaultValue(DEFAULTS.weights.ratingBase)
            .withDescription("A rating weighs rating-base + rating-slope * value.");
    public static final ConfigOption<Double> WEIGHT_RATING_SLOPE = ConfigOptions.key(
                    "freshrec.model.weight.rating-slope")
            .doubleType()
            .defaultValue(DEFAULTS.weights.ratingSlope)
            .withDescription(
                    "Weight a rating gains per point of its value: a rating weighs rating-base + rating-slope * value "
                            + "(at least " + DEFAULTS.weights.minRatingWeight + ").");
    public static final ConfigOption<Integer> TOP_N = ConfigOptions.key("freshrec.serving.top-n")
            .intType()
            .defaultValue(DEFAULTS.topN)
            .withDescription("Length of each user's served list.");
    public static final ConfigOption<Duration> MAX_STALENESS = ConfigOptions.key("freshrec.serving.max-staleness")
            .durationType()
            .defaultValue(Duration.ofMillis(DEFAULTS.maxStalenessMs))
            .withDescription(
                    "A served list older than this (event time) is refreshed before the user's next event is scored.");
    public static final ConfigOption<Duration> REFRESH_INTERVAL = ConfigOptions.key("freshrec.serving.refresh-interval")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("How often a recently active user's list is recomputed when the model moved on "
                    + "(for ten intervals after their last interaction); 0 disables.");
    public static final ConfigOption<Boolean> ALIGN_TO_MODEL = ConfigOptions.key("freshrec.serving.align-to-model")
            .booleanType()
            .defaultValue(false)
            .withDescription(
                    "Serve (and score) each interaction only once the model has caught up with its event time: "
                            + "exact prequential figures for fast replays, at the cost of about one watermark interval of latency.");
    public static final ConfigOption<Duration> USER_TTL = ConfigOptions.key("freshrec.state.user-ttl")
            .durationType()
            .defaultValue(Duration.ofMillis(DEFAULTS.userTtlMs))
            .withDescription(
                    "Users idle this long in event time are forgotten (timers; state TTL cannot be used with queryable state).");
    public static final ConfigOption<Duration> ITEM_TTL = ConfigOptions.key("freshrec.state.item-ttl")
            .durationType()
            .defaultValue(Duration.ofMillis(DEFAULTS.itemTtlMs))
            .withDescription("Items idle this long in event time are forgotten.");
    public static final ConfigOption<Integer> USER_RATE_LIMIT = ConfigOptions.key("freshrec.input.user-rate-limit")
            .intType()
            .defaultValue(DEFAULTS.userRateLimit)
            .withDescription("Events one user may add per minute of event time: bursts up to this many, refilled at "
                    + "this many per minute; the excess are dead letters rate-limited (counted in rateLimited). No "
                    + "person sustains the default (200 a second): it stops scrapers and replayed logs posing as one "
                    + "user; a site paced by people can set far less (600 drops no MovieLens rating). 0: no limit.");
    public static final ConfigOption<Integer> MAX_SERVING_ITEMS = ConfigOptions.key("freshrec.serving.max-items")
            .intType()
            .defaultValue(200_000)
            .withDescription("Items each serving subtask holds in its copy of the model (about 1.2 KB each at 50 "
                    + "neighbours, measured, on the heap of every serving subtask: 200,000 are about 240 MB each). Beyond it the least trending item is evicted "
                    + "(counted in servingItemsEvicted) and comes back with its next snapshot: a catalogue or a flood of "
                    + "new ids larger than the heap degrades recommendations of the rarest items instead of crashing.");
    public static final ConfigOption<Integer> NEW_ID_RATE_ALERT = ConfigOptions.key(
                    "freshrec.monitoring.new-id-rate-alert")
            .intType()
            .defaultValue(5_000)
            .withDescription("Alert (a 'freshrec new-id alert' line, counted in newIdAlerts) when new users or new "
                    + "items arrive faster than this many per second, job-wide, over a minute: a flood of made-up ids. "
                    + "The rates are the newUsersPerSecond and newItemsPerSecond metrics. 0: no alert.");
    public static final ConfigOption<Integer> BUNDLE_MAX_SIZE = ConfigOptions.key("freshrec.bundle.max-size")
            .intType()
            .defaultValue(BundledKeyedOperator.DEFAULT_MAX_BUNDLE_SIZE)
            .withDescription(
                    "Records user-history and item-model each buffer in memory per subtask until the watermark "
                            + "passes them (then each key's state is read and written once for all of them); when full, or at "
                            + "a checkpoint, the buffer moves to keyed state.");
    public static final ConfigOption<MemorySize> STATE_CACHE_SIZE = ConfigOptions.key("freshrec.state.cache-size")
            .memoryType()
            .defaultValue(new MemorySize(BundledKeyedOperator.DEFAULT_CACHE_BYTES))
            .withDescription("Heap each subtask of user-history, item-model and serving spends on copies of the "
                    + "state of its recently used keys (an estimate of their bytes; the least recently used key goes "
                    + "first): user histories; items' states and co-occurrences (three quarters of it, about 48 bytes "
                    + "each); users' seen items, histories and lists. A read of a copied key costs a hash lookup "
                    + "instead of a RocksDB read. What queryable state serves (lists, items' states) is written "
                    + "through; co-occurrences, histories and seen items are written back: to RocksDB when their key "
                    + "is evicted and at every checkpoint (before the state is snapshotted), so a key changed many times between two "
                    + "checkpoints is written once. Checkpoints and savepoints are the same with or without it; a "
                    + "restore starts with empty copies. Hits and misses: the "
                    + "cooccurrenceCacheHits/Misses (item-model) and userStateCacheHits/Misses (serving) metrics. "
                    + "0: none.");
    public static final ConfigOption<Duration> OUT_OF_ORDERNESS = ConfigOptions.key(
                    "freshrec.watermark.out-of-orderness")
            .durationType()
            .defaultValue(Duration.ofMillis(200))
            .withDescription("Bounded out-of-orderness of interaction event times.");
    public static final ConfigOption<Duration> IDLENESS = ConfigOptions.key("freshrec.watermark.idleness")
            .durationType()
            .defaultValue(Duration.ofSeconds(5))
            .withDescription("After this long without events, event time is assumed to pass at wall-clock pace "
                    + "(a split that never had events is marked idle instead).");
    public static final ConfigOption<Duration> MAX_LAG = ConfigOptions.key("freshrec.watermark.max-lag")
            .durationType()
            .defaultValue(Duration.ofMillis(InteractionParser.DEFAULT_MAX_LAG_MS))
            .withDescription(
                    "Live sources only (Kafka, the wall-clock generator): an event more than this behind the "
                            + "wall clock is a dead letter too-old and does not move event time, so a partition that keeps "
                            + "receiving old events cannot hold the whole job back. 0 turns the bound off: for a backfill "
                            + "from Kafka, or to catch up after an outage longer than the bound. File replays are never bounded.");
    public static final ConfigOption<Duration> MAX_FUTURE = ConfigOptions.key("freshrec.watermark.max-future")
            .durationType()
            .defaultValue(Duration.ofMillis(InteractionParser.DEFAULT_MAX_FUTURE_MS))
            .withDescription("An event more than this ahead of the wall clock is a dead letter bad-timestamp (one "
                    + "such event would move its partition's event time ahead by as much). The state TTLs must be "
                    + "at least " + TTL_PER_MAX_FUTURE + " times this.");
    public static final ConfigOption<Duration> WATERMARK_LAG_ALERT = ConfigOptions.key(
                    "freshrec.monitoring.watermark-lag-alert")
            .durationType()
            .defaultValue(Duration.ofMinutes(1))
            .withDescription("Live sources only: when event time (the watermark at user-history) falls this far "
                    + "behind the wall clock, an alert is printed (and counted in watermarkLagAlerts), and another "
                    + "when it is back; 0: no alert. The lag itself is the gauge watermarkLagMs.");
    public static final ConfigOption<Boolean> TRACK_SERVED_ITEMS = ConfigOptions.key("freshrec.eval.track-served-items")
            .booleanType()
            .defaultValue(false)
            .withDescription(
                    "Collect the distinct items of the top-10 lists scored events were scored against (accumulator "
                            + "'" + ServingFunction.ACC_SERVED_ITEMS
                            + "', catalogue coverage of bounded replays; one entry per item).");
    public static final ConfigOption<Integer> RECALL_WINDOW = ConfigOptions.key("freshrec.eval.rolling-window")
            .intType()
            .defaultValue(1000)
            .withDescription("Scored events in the rolling prequential recall@10.");

    public static final ConfigOption<Boolean> BREAKER_ENABLED = ConfigOptions.key("freshrec.gate.quality.enabled")
            .booleanType()
            .defaultValue(true)
            .withDescription("Quality circuit breaker: freeze serving at the last good model version when rolling "
                    + "prequential recall@10 drops far below its trailing baseline.");
    public static final ConfigOption<Double> BREAKER_MAX_DROP = ConfigOptions.key("freshrec.gate.quality.max-drop")
            .doubleType()
            .defaultValue(0.5)
            .withDescription(
                    "Fraction of the baseline rolling recall may lose before the breaker counts it as a drop.");
    public static final ConfigOption<Duration> BREAKER_HOLD = ConfigOptions.key("freshrec.gate.quality.hold")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("Event time a drop must last before serving freezes (and a recovery before it resumes).");
    public static final ConfigOption<Integer> BREAKER_MIN_SCORED = ConfigOptions.key("freshrec.gate.quality.min-scored")
            .intType()
            .noDefaultValue()
            .withDescription("Scored events a drop or recovery must also last, and the warm-up before a baseline "
                    + "exists (default: the rolling window, freshrec.eval.rolling-window).");
    public static final ConfigOption<Duration> BREAKER_BASELINE_HALF_LIFE = ConfigOptions.key(
                    "freshrec.gate.quality.baseline-half-life")
            .durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription("Half-life (event time) of the trailing baseline of rolling recall.");
    public static final ConfigOption<Duration> DRIFT_WINDOW = ConfigOptions.key("freshrec.monitoring.drift-window")
            .durationType()
            .defaultValue(Duration.ofMinutes(1))
            .withDescription("Event-time window of the drift indicators (item-popularity shift, recall trend).");

    private static Map<EventType, ConfigOption<Double>> weightOptions() {
        Map<EventType, ConfigOption<Double>> options = new EnumMap<>(EventType.class);
        for (EventType type : EventType.values()) {
            if (!type.weighedByValue()) {
                options.put(
                        type,
                        ConfigOptions.key(WEIGHT_PREFIX + type.wireName())
                                .doubleType()
                                .defaultValue(type.defaultWeight())
                                .withDescription("Weight of " + type.wireName() + " events (" + type.description()
                                        + "); " + EventWeights.documentedOrder() + "."));
            }
        }
        return Collections.unmodifiableMap(options);
    }

    /**
     * The job's settings outside the model: evaluation, serving refreshes, bundles and watermarks.
     *
     * @param refreshIntervalMs 0: no periodic refresh
     */
    public record JobSettings(
            int recallWindow,
            boolean alignToModel,
            boolean trackServedItems,
            long refreshIntervalMs,
            int bundleMaxSize,
            long stateCacheBytes,
            Duration outOfOrderness,
            Duration idleness,
            Duration maxLag,
            Duration maxFuture,
            Duration watermarkLagAlert,
            int maxServingItems,
            int newIdRateAlert) {}

    /** The job's settings outside the model, validated; IllegalArgumentException with a one-line message. */
    public static JobSettings jobSettings(Configuration conf) {
        int recallWindow = conf.get(RECALL_WINDOW);
        if (recallWindow < 1) {
            throw new IllegalArgumentException(RECALL_WINDOW.key() + " must be at least 1");
        }
        long refreshIntervalMs = conf.get(REFRESH_INTERVAL).toMillis();
        if (refreshIntervalMs < 0) {
            throw new IllegalArgumentException(REFRESH_INTERVAL.key() + " must not be negative");
        }
        int bundleMaxSize = conf.get(BUNDLE_MAX_SIZE);
        if (bundleMaxSize < 1) {
            throw new IllegalArgumentException(BUNDLE_MAX_SIZE.key() + " must be at least 1");
        }
        Duration maxLag = nonNegative(conf, MAX_LAG);
        Duration maxFuture = nonNegative(conf, MAX_FUTURE);
        Duration lagAlert = nonNegative(conf, WATERMARK_LAG_ALERT);
        int maxServingItems = conf.get(MAX_SERVING_ITEMS);
        if (maxServingItems < 1) {
            throw new IllegalArgumentException(MAX_SERVING_ITEMS.key() + " must be at least 1");
        }
        int newIdRateAlert = conf.get(NEW_ID_RATE_ALERT);
        if (newIdRateAlert < 0) {
            throw new IllegalArgumentException(NEW_ID_RATE_ALERT.key() + " must not be negative");
        }
        // An event up to max-future ahead moves event time ahead by as much: state that lives hardly longer would
        // expire at once.
        for (ConfigOption<Duration> ttl : List.of(USER_TTL, ITEM_TTL)) {
            Duration value = conf.get(ttl);
            if (value.compareTo(maxFuture.multipliedBy(TTL_PER_MAX_FUTURE)) < 0) {
                throw new IllegalArgumentException(ttl.key() + " (" + Durations.text(value.toMillis())
                        + ") must be at least " + TTL_PER_MAX_FUTURE + " x " + MAX_FUTURE.key() + " ("
                        + Durations.text(maxFuture.toMillis()) + "): lower " + MAX_FUTURE.key() + " or raise the TTL");
            }
        }
        return new JobSettings(
                recallWindow,
                conf.get(ALIGN_TO_MODEL),
                conf.get(TRACK_SERVED_ITEMS),
                refreshIntervalMs,
                bundleMaxSize,
                conf.get(STATE_CACHE_SIZE).getBytes(),
                conf.get(OUT_OF_ORDERNESS),
                conf.get(IDLENESS),
                maxLag,
                maxFuture,
                lagAlert,
                maxServingItems,
                newIdRateAlert);
    }

    private static Duration nonNegative(Configuration conf, ConfigOption<Duration> option) {
        Duration value = conf.get(option);
        if (value.isNegative()) {
            throw new IllegalArgumentException(option.key() + " must not be negative");
        }
        return value;
    }

    /** The quality breaker's settings; IllegalArgumentException with a one-line message. */
    public static QualityBreaker.Settings breakerSettings(Configuration conf) {
        int minScored = conf.getOptional(BREAKER_MIN_SCORED).orElse(conf.get(RECALL_WINDOW));
        return new QualityBreaker.Settings(
                conf.get(BREAKER_ENABLED),
                conf.get(BREAKER_MAX_DROP),
                conf.get(BREAKER_HOLD).toMillis(),
                minScored,
                conf.get(BREAKER_BASELINE_HALF_LIFE).toMillis());
    }

    /** The drift window in milliseconds, validated. */
    public static long driftWindowMs(Configuration conf) {
        long ms = conf.get(DRIFT_WINDOW).toMillis();
        if (ms <= 0) {
            throw new IllegalArgumentException(DRIFT_WINDOW.key() + " must be positive");
        }
        return ms;
    }

    /** Builds and validates the model settings; IllegalArgumentException with a one-line message. */
    public static ModelConfig modelConfig(Configuration conf) {
        ModelConfig c = new ModelConfig();
        c.historyLength = conf.get(HISTORY_LENGTH);
        c.seenLimit = conf.get(SEEN_LIMIT);
        c.neighbours = conf.get(NEIGHBOURS);
        c.trendingSize = conf.get(TRENDING_SIZE);
        c.similarityHalfLifeMs = conf.get(SIMILARITY_HALF_LIFE).toMillis();
        c.historyHalfLifeMs = conf.get(HISTORY_HALF_LIFE).toMillis();
        c.trendingHalfLifeMs = conf.get(TRENDING_HALF_LIFE).toMillis();
        c.normExponent = conf.get(NORM_EXPONENT);
        c.popularityBlend = conf.get(POPULARITY_BLEND);
        c.publishIntervalMs = conf.get(PUBLISH_INTERVAL).toMillis();
        for (Map.Entry<EventType, ConfigOption<Double>> weight : WEIGHTS.entrySet()) {
            c.weights.set(weight.getKey(), conf.get(weight.getValue()));
        }
        c.weights.ratingBase = conf.get(WEIGHT_RATING_BASE);
        c.weights.ratingSlope = conf.get(WEIGHT_RATING_SLOPE);
        c.topN = conf.get(TOP_N);
        c.maxStalenessMs = conf.get(MAX_STALENESS).toMillis();
        c.userTtlMs = conf.get(USER_TTL).toMillis();
        c.itemTtlMs = conf.get(ITEM_TTL).toMillis();
        c.maxCooccurrences = conf.getOptional(MAX_COOCCURRENCES).orElse(-1);
        c.cooccurrencePruneBelow = conf.get(COOCCURRENCE_PRUNE_BELOW);
        c.userRateLimit = conf.get(USER_RATE_LIMIT);
        return c.validate();
    }
}
