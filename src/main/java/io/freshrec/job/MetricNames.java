package io.freshrec.job;

import io.freshrec.job.FreshRecState.Uid;

/**
 * Every metric the job registers, by the name its operator registers it under, and the qualified names
 * ({@code operator.metric}) that readers ask Flink's REST API for: the embedded run's progress lines, the bench,
 * bootstrap and version records read the same constants the functions write.
 */
public final class MetricNames {
    private MetricNames() {}

    // parse
    public static final String EVENTS = "events";
    public static final String EVENTS_PER_SECOND = "eventsPerSecond";
    public static final String DEAD_LETTERS = "deadLetters";
    /** Restored with the model (savepoints): every event the model has learnt from, across jobs. */
    public static final String EVENTS_TOTAL = "eventsTotal";

    public static final String DEAD_LETTERS_TOTAL = "deadLettersTotal";
    /** A group with one counter per dead-letter reason. */
    public static final String DEAD_LETTER_REASON = "deadLetterReason";
    /** The dead-letter reason (and its counter in user-history's reason group) of events over the user rate limit. */
    public static final String RATE_LIMITED_REASON = "rate-limited";

    public static final String POPULARITY_SHIFT = "popularityShift";

    // kafka source
    public static final String KAFKA_TOMBSTONES = "kafkaTombstones";

    // user-history and item-model: their in-memory bundles
    /** Records buffered in memory, waiting for the watermark (a gauge). */
    public static final String BUNDLED_RECORDS = "bundledRecords";
    /** Records moved from the bundle to keyed state: at checkpoint barriers, or when the bundle was full. */
    public static final String SPILLED_RECORDS = "spilledRecords";

    // user-history
    public static final String LATE_EVENTS = "lateEvents";
    /** Wall clock minus the operator's watermark, ms (user-history, item-model); -1 before the first watermark. */
    public static final String WATERMARK_LAG_MS = "watermarkLagMs";
    /** Watermark-lag alerts raised and cleared (user-history, live sources). */
    public static final String WATERMARK_LAG_ALERTS = "watermarkLagAlerts";

    /** New-id alerts raised and cleared (user-history: users, item-model: items; live sources). */
    public static final String NEW_ID_ALERTS = "newIdAlerts";

    public static final String USERS_CREATED = "usersCreated";
    public static final String NEW_USERS_PER_SECOND = "newUsersPerSecond";
    public static final String USERS_EXPIRED = "usersExpired";

    // item-model
    public static final String ITEMS_CREATED = "itemsCreated";
    public static final String NEW_ITEMS_PER_SECOND = "newItemsPerSecond";
    public static final String ITEMS_EXPIRED = "itemsExpired";
    public static final String PUBLICATIONS = "publications";
    public static final String LATE_UPDATES = "lateUpdates";
    /** Co-occurrence entries dropped from items' maps by pruning (item-model). */
    public static final String COOCCURRENCES_PRUNED = "cooccurrencesPruned";
    /** Serving's reads of a user's state answered from its heap copy (a gauge, since the subtask started). */
    public static final String USER_CACHE_HITS = "userStateCacheHits";
    /** Serving's reads of a user's state that went to RocksDB (a gauge, since the subtask started). */
    public static final String USER_CACHE_MISSES = "userStateCacheMisses";
    /** Co-occurrence reads answered from item-model's heap copy (a gauge, since the subtask started). */
    public static final String COOCCURRENCE_CACHE_HITS = "cooccurrenceCacheHits";
    /** Co-occurrence reads that went to RocksDB (a gauge, since the subtask started). */
    public static final String COOCCURRENCE_CACHE_MISSES = "cooccurrenceCacheMisses";
    /** Co-occurrences held in item-model's heap copy (a gauge). */
    public static final String COOCCURRENCE_CACHE_ENTRIES = "cooccurrenceCacheEntries";

    public static final String ITEMS = "items";

    // model-gate (MODEL_VERSION is also served by serving: the version it scores with)
    public static final String SNAPSHOTS_ACCEPTED = "snapshotsAccepted";
    public static final String SNAPSHOTS_REJECTED = "snapshotsRejected";
    public static final String MODEL_VERSION = "modelVersion";

    // serving
    public static final String PREQUENTIAL_HITS = "prequentialHits";
    public static final String PREQUENTIAL_SCORED = "prequentialScored";
    public static final String REFRESHES = "refreshes";
    public static final String USERS = "users";
    public static final String PREQUENTIAL_HITS_TOTAL = "prequentialHitsTotal";
    public static final String PREQUENTIAL_SCORED_TOTAL = "prequentialScoredTotal";
    public static final String RECALL_TOTAL = "recallTotal";
    public static final String RECALL_ROLLING = "recallRolling";
    public static final String NDCG_ROLLING = "ndcgRolling";
    public static final String PREQUENTIAL_NDCG_GAIN_TOTAL = "prequentialNdcgGainTotal";
    public static final String MODEL_ITEMS = "modelItems";
    /** Items serving evicted from its copy of the model because it held freshrec.serving.max-items (a gauge). */
    public static final String SERVING_ITEMS_EVICTED = "servingItemsEvicted";
    /** A histogram: Flink's REST API serves it as {@code freshnessMs_median}, {@code _p99}, {@code _count}... */
    public static final String FRESHNESS_MS = "freshnessMs";

    public static final String QUALITY_ALERTS = "qualityAlerts";
    public static final String QUALITY_BREAKER_OPEN = "qualityBreakerOpen";
    public static final String QUALITY_BREAKER_TRIPS = "qualityBreakerTrips";
    public static final String QUALITY_BASELINE = "qualityBaseline";
    public static final String FROZEN_MODEL_VERSION = "frozenModelVersion";
    public static final String CANDIDATE_RECALL_ROLLING = "candidateRecallRolling";
    public static final String RECALL_TREND = "recallTrend";

    // redis-sink (io.freshrec.redis.RedisListWriter, with freshrec.redis.url)
    /** Lists written to Redis (each user's newest of a batch; an equal version written again counts too). */
    public static final String REDIS_LISTS_WRITTEN = "redisListsWritten";
    /** Lists Redis refused because it held a newer version of the user's list (a late write of a failed run). */
    public static final String REDIS_WRITES_SKIPPED_AS_OLDER = "redisWritesSkippedAsOlder";
    /** Lists a newer list of the same user replaced in the buffer before they were written (never sent). */
    public static final String REDIS_LISTS_SUPERSEDED = "redisListsSuperseded";
    /** Failed attempts to write a batch (connection lost or refused, timeouts, error replies), each retried. */
    public static final String REDIS_WRITE_RETRIES = "redisWriteRetries";
    /** Lists held in the sink's buffer (a gauge): at the batch size while Redis cannot be reached. */
    public static final String REDIS_BUFFERED_LISTS = "redisBufferedLists";

    // Qualified names, as Flink's REST API lists an operator's metrics.
    public static final String PARSE_EVENTS = qualified(Uid.PARSE, EVENTS);
    public static final String PARSE_EVENTS_PER_SECOND = qualified(Uid.PARSE, EVENTS_PER_SECOND);
    public static final String PARSE_DEAD_LETTERS = qualified(Uid.PARSE, DEAD_LETTERS);
    public static final String PARSE_EVENTS_TOTAL = qualified(Uid.PARSE, EVENTS_TOTAL);
    public static final String PARSE_DEAD_LETTERS_TOTAL = qualified(Uid.PARSE, DEAD_LETTERS_TOTAL);
    public static final String PARSE_POPULARITY_SHIFT = qualified(Uid.PARSE, POPULARITY_SHIFT);
    public static final String USER_HISTORY_RATE_LIMITED =
            qualified(Uid.USER_HISTORY, DEAD_LETTER_REASON + "." + RATE_LIMITED_REASON);
    public static final String USER_HISTORY_NEW_USERS_PER_SECOND = qualified(Uid.USER_HISTORY, NEW_USERS_PER_SECOND);
    public static final String ITEM_MODEL_ITEMS = qualified(Uid.ITEM_MODEL, ITEMS);
    public static final String ITEM_MODEL_NEW_ITEMS_PER_SECOND = qualified(Uid.ITEM_MODEL, NEW_ITEMS_PER_SECOND);
    public static final String MODEL_GATE_MODEL_VERSION = qualified(Uid.MODEL_GATE, MODEL_VERSION);
    public static final String MODEL_GATE_SNAPSHOTS_REJECTED = qualified(Uid.MODEL_GATE, SNAPSHOTS_REJECTED);
    public static final String SERVING_USERS = qualified(Uid.SERVING, USERS);
    public static final String SERVING_PREQUENTIAL_HITS = qualified(Uid.SERVING, PREQUENTIAL_HITS);
    public static final String SERVING_PREQUENTIAL_SCORED = qualified(Uid.SERVING, PREQUENTIAL_SCORED);
    public static final String SERVING_PREQUENTIAL_HITS_TOTAL = qualified(Uid.SERVING, PREQUENTIAL_HITS_TOTAL);
    public static final String SERVING_PREQUENTIAL_SCORED_TOTAL = qualified(Uid.SERVING, PREQUENTIAL_SCORED_TOTAL);
    public static final String SERVING_PREQUENTIAL_NDCG_GAIN_TOTAL =
            qualified(Uid.SERVING, PREQUENTIAL_NDCG_GAIN_TOTAL);
    public static final String SERVING_RECALL_ROLLING = qualified(Uid.SERVING, RECALL_ROLLING);
    public static final String SERVING_NDCG_ROLLING = qualified(Uid.SERVING, NDCG_ROLLING);
    public static final String SERVING_RECALL_TREND = qualified(Uid.SERVING, RECALL_TREND);
    public static final String SERVING_QUALITY_BREAKER_OPEN = qualified(Uid.SERVING, QUALITY_BREAKER_OPEN);
    public static final String SERVING_FROZEN_MODEL_VERSION = qualified(Uid.SERVING, FROZEN_MODEL_VERSION);
    public static final String SERVING_QUALITY_BASELINE = qualified(Uid.SERVING, QUALITY_BASELINE);
    public static final String SERVING_FRESHNESS_MEDIAN = qualified(Uid.SERVING, FRESHNESS_MS) + "_median";
    public static final String SERVING_FRESHNESS_P99 = qualified(Uid.SERVING, FRESHNESS_MS) + "_p99";
    public static final String SERVING_FRESHNESS_COUNT = qualified(Uid.SERVING, FRESHNESS_MS) + "_count";

    /** An operator's metric as Flink's REST API names it. */
    public static String qualified(String operator, String metric) {
        return operator + "." + metric;
    }
}
