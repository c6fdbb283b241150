package io.freshrec.ops;

import io.freshrec.job.MetricNames;
import io.freshrec.rest.FlinkRest;
import java.util.List;
import java.util.Map;

/**
 * The running job's headline figures, from its metrics as Flink's REST API aggregates them over subtasks: what an
 * embedded run prints every few seconds and what the gateway's {@code /v1/model} and dashboard show. Counts are
 * summed, gauges of the whole job (model version, freshness quantiles) take the largest subtask's, rolling quality
 * the subtasks' mean, and the totals are ratios of summed counts.
 *
 * @param events interactions parsed since the job's first start (restored with its state)
 * @param eventsThisRun interactions parsed by this job (the counter starts at 0 with each job)
 * @param eventsPerSecond the parse operator's own rate meter, summed
 * @param deadLetters dead letters since the first start, rate-limited events included
 * @param deadLettersThisRun dead letters of this job, rate-limited events included
 * @param rateLimited events refused by the per-user rate limit (this job)
 * @param users users served
 * @param items items in the model
 * @param modelVersion the model gate's newest version
 * @param snapshotsRejected snapshots the gate rejected
 * @param freshnessP50Ms median freshness of the slowest serving subtask, NaN before the first event
 * @param freshnessP99Ms its 99th percentile, NaN before the first event
 * @param hitsThisRun prequential hits of this job
 * @param scoredThisRun prequential scorings of this job
 * @param recallRolling prequential recall@10 over the recent window
 * @param recallTotal prequential recall@10 since the first start
 * @param recallTrend change of the rolling recall per window
 * @param ndcgRolling prequential NDCG@10 over the recent window
 * @param ndcgTotal prequential NDCG@10 since the first start
 * @param popularityShift drift of the item popularity distribution
 * @param newUsersPerSecond new users a second
 * @param newItemsPerSecond new items a second
 * @param breakerOpen serving subtasks whose quality breaker is open
 * @param servingSubtasks serving subtasks reporting the breaker's state
 * @param frozenModelVersion the version an open breaker froze serving at
 * @param qualityBaseline the breaker's baseline recall (0 while it learns it)
 */
public record JobFigures(
        long events,
        long eventsThisRun,
        double eventsPerSecond,
        long deadLetters,
        long deadLettersThisRun,
        long rateLimited,
        long users,
        long items,
        long modelVersion,
        long snapshotsRejected,
        double freshnessP50Ms,
        double freshnessP99Ms,
        long hitsThisRun,
        long scoredThisRun,
        double recallRolling,
        double recallTotal,
        double recallTrend,
        double ndcgRolling,
        double ndcgTotal,
        double popularityShift,
        double newUsersPerSecond,
        double newItemsPerSecond,
        int breakerOpen,
        int servingSubtasks,
        long frozenModelVersion,
        double qualityBaseline) {

    /** The metrics the figures are made of: ask {@link FlinkRest#metrics} for these. */
    public static final List<String> METRICS = List.of(
            MetricNames.PARSE_EVENTS,
            MetricNames.PARSE_EVENTS_PER_SECOND,
            MetricNames.PARSE_DEAD_LETTERS,
            MetricNames.SERVING_PREQUENTIAL_HITS,
            MetricNames.SERVING_PREQUENTIAL_SCORED,
            MetricNames.PARSE_EVENTS_TOTAL,
            MetricNames.PARSE_DEAD_LETTERS_TOTAL,
            MetricNames.SERVING_PREQUENTIAL_HITS_TOTAL,
            MetricNames.SERVING_PREQUENTIAL_SCORED_TOTAL,
            MetricNames.SERVING_USERS,
            MetricNames.ITEM_MODEL_ITEMS,
            MetricNames.MODEL_GATE_SNAPSHOTS_REJECTED,
            MetricNames.MODEL_GATE_MODEL_VERSION,
            MetricNames.SERVING_FRESHNESS_MEDIAN,
            MetricNames.SERVING_FRESHNESS_P99,
            MetricNames.SERVING_RECALL_ROLLING,
            MetricNames.SERVING_NDCG_ROLLING,
            MetricNames.SERVING_PREQUENTIAL_NDCG_GAIN_TOTAL,
            MetricNames.SERVING_RECALL_TREND,
            MetricNames.SERVING_QUALITY_BREAKER_OPEN,
            MetricNames.SERVING_FROZEN_MODEL_VERSION,
            MetricNames.SERVING_QUALITY_BASELINE,
            MetricNames.PARSE_POPULARITY_SHIFT,
            MetricNames.USER_HISTORY_NEW_USERS_PER_SECOND,
            MetricNames.ITEM_MODEL_NEW_ITEMS_PER_SECOND,
            MetricNames.USER_HISTORY_RATE_LIMITED);

    /** The figures of one reading of {@link #METRICS}; a metric not reported yet counts as 0 (freshness: NaN). */
    public static JobFigures of(Map<String, FlinkRest.Aggregate> m) {
        long rateLimited = (long) sum(m, MetricNames.USER_HISTORY_RATE_LIMITED);
        double scoredTotal = sum(m, MetricNames.SERVING_PREQUENTIAL_SCORED_TOTAL);
        return new JobFigures(
                (long) sum(m, MetricNames.PARSE_EVENTS_TOTAL),
                (long) sum(m, MetricNames.PARSE_EVENTS),
                sum(m, MetricNames.PARSE_EVENTS_PER_SECOND),
                (long) sum(m, MetricNames.PARSE_DEAD_LETTERS_TOTAL) + rateLimited,
                (long) sum(m, MetricNames.PARSE_DEAD_LETTERS) + rateLimited,
                rateLimited,
                (long) sum(m, MetricNames.SERVING_USERS),
                (long) sum(m, MetricNames.ITEM_MODEL_ITEMS),
                (long) max(m, MetricNames.MODEL_GATE_MODEL_VERSION),
                (long) sum(m, MetricNames.MODEL_GATE_SNAPSHOTS_REJECTED),
                maxOrNaN(m, MetricNames.SERVING_FRESHNESS_MEDIAN),
                maxOrNaN(m, MetricNames.SERVING_FRESHNESS_P99),
                (long) sum(m, MetricNames.SERVING_PREQUENTIAL_HITS),
                (long) sum(m, MetricNames.SERVING_PREQUENTIAL_SCORED),
                avg(m, MetricNames.SERVING_RECALL_ROLLING),
                scoredTotal == 0 ? 0.0 : sum(m, MetricNames.SERVING_PREQUENTIAL_HITS_TOTAL) / scoredTotal,
                avg(m, MetricNames.SERVING_RECALL_TREND),
                avg(m, MetricNames.SERVING_NDCG_ROLLING),
                scoredTotal == 0 ? 0.0 : sum(m, MetricNames.SERVING_PREQUENTIAL_NDCG_GAIN_TOTAL) / scoredTotal,
                max(m, MetricNames.PARSE_POPULARITY_SHIFT),
                sum(m, MetricNames.USER_HISTORY_NEW_USERS_PER_SECOND),
                sum(m, MetricNames.ITEM_MODEL_NEW_ITEMS_PER_SECOND),
                (int) sum(m, MetricNames.SERVING_QUALITY_BREAKER_OPEN),
                count(m, MetricNames.SERVING_QUALITY_BREAKER_OPEN),
                (long) max(m, MetricNames.SERVING_FROZEN_MODEL_VERSION),
                avg(m, MetricNames.SERVING_QUALITY_BASELINE));
    }

    /** Whether any serving subtask's quality breaker is open (serving frozen at {@link #frozenModelVersion}). */
    public boolean breakerTripped() {
        return breakerOpen > 0;
    }

    static double sum(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? 0.0 : value.sum;
    }

    static double max(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? 0.0 : value.max;
    }

    private static double maxOrNaN(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? Double.NaN : value.max;
    }

    private static int count(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null || value.avg == 0 ? 0 : (int) Math.round(value.sum / value.avg);
    }

    private static double avg(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? 0.0 : value.avg;
    }
}
