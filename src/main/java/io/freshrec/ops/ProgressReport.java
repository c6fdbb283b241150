package io.freshrec.ops;

import io.freshrec.job.MetricNames;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What an embedded run prints while its job runs: two lines of figures from the job's metrics (read through Flink's
 * REST API, summed or averaged over subtasks) and, now and then, a few users' lists looked up as a client would.
 */
final class ProgressReport {
    private static final List<String> METRICS = List.of(
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

    private final PrintWriter out;
    private long lastReport = System.nanoTime();

    ProgressReport(PrintWriter out) {
        this.out = out;
    }

    /** Starts a new job's lines: the first line's rate is since now (its event counter starts at 0), not a blank 0/s. */
    void restart(EmbeddedRun.Summary summary) {
        lastReport = System.nanoTime();
        summary.events = 0;
    }

    /** The two progress lines, and this job's counts so far into {@code summary}. */
    void report(FlinkRest flink, String jobId, long started, EmbeddedRun.Summary summary) {
        try {
            Map<String, FlinkRest.Aggregate> m = flink.metrics(jobId, METRICS);
            long previousEvents = summary.events;
            long now = System.nanoTime();
            summary.events = (long) sum(m, MetricNames.PARSE_EVENTS);
            double rate = (summary.events - previousEvents) / ((now - lastReport) / 1e9);
            lastReport = now;
            long rateLimited = (long) sum(m, MetricNames.USER_HISTORY_RATE_LIMITED);
            summary.deadLetters = (long) sum(m, MetricNames.PARSE_DEAD_LETTERS) + rateLimited;
            summary.hits = (long) sum(m, MetricNames.SERVING_PREQUENTIAL_HITS);
            summary.scored = (long) sum(m, MetricNames.SERVING_PREQUENTIAL_SCORED);
            // The model's figures (restored with it: after a rollback they continue from the version), the rate
            // of this job.
            double scoredTotal = sum(m, MetricNames.SERVING_PREQUENTIAL_SCORED_TOTAL);
            out.printf(
                    "[%5.0fs] events %,d (%,.0f/s) | users %,d | items %,d | model v%,d | dead letters %,d%s | "
                            + "freshness p50 %s p99 %s%n",
                    (System.nanoTime() - started) / 1e9,
                    (long) sum(m, MetricNames.PARSE_EVENTS_TOTAL),
                    rate,
                    (long) sum(m, MetricNames.SERVING_USERS),
                    (long) sum(m, MetricNames.ITEM_MODEL_ITEMS),
                    (long) max(m, MetricNames.MODEL_GATE_MODEL_VERSION),
                    (long) sum(m, MetricNames.PARSE_DEAD_LETTERS_TOTAL) + rateLimited,
                    rateLimited > 0 ? String.format(" (%,d rate-limited)", rateLimited) : "",
                    millis(max(m, MetricNames.SERVING_FRESHNESS_MEDIAN)),
                    millis(max(m, MetricNames.SERVING_FRESHNESS_P99)));
            out.printf(
                    "        recall@10 rolling %.3f total %.3f trend %+.3f/window | NDCG@10 rolling %.3f total %.3f | "
                            + "drift: popularity shift %.3f, new users %,.0f/s, new items %,.0f/s | %s%n",
                    avg(m, MetricNames.SERVING_RECALL_ROLLING),
                    scoredTotal == 0 ? 0.0 : sum(m, MetricNames.SERVING_PREQUENTIAL_HITS_TOTAL) / scoredTotal,
                    avg(m, MetricNames.SERVING_RECALL_TREND),
                    avg(m, MetricNames.SERVING_NDCG_ROLLING),
                    scoredTotal == 0 ? 0.0 : sum(m, MetricNames.SERVING_PREQUENTIAL_NDCG_GAIN_TOTAL) / scoredTotal,
                    max(m, MetricNames.PARSE_POPULARITY_SHIFT),
                    sum(m, MetricNames.USER_HISTORY_NEW_USERS_PER_SECOND),
                    sum(m, MetricNames.ITEM_MODEL_NEW_ITEMS_PER_SECOND),
                    breaker(m));
        } catch (IOException e) {
            out.println("(metrics not available yet: " + e.getMessage() + ")");
        }
        out.flush();
    }

    /** The quality breaker's state for the progress line. */
    private static String breaker(Map<String, FlinkRest.Aggregate> m) {
        if (max(m, MetricNames.SERVING_QUALITY_BREAKER_OPEN) > 0) {
            return String.format(
                    Locale.ROOT,
                    "quality breaker OPEN on %d of %d serving subtasks: serving frozen at model v%d",
                    (long) sum(m, MetricNames.SERVING_QUALITY_BREAKER_OPEN),
                    count(m, MetricNames.SERVING_QUALITY_BREAKER_OPEN),
                    (long) max(m, MetricNames.SERVING_FROZEN_MODEL_VERSION));
        }
        double baseline = avg(m, MetricNames.SERVING_QUALITY_BASELINE);
        return baseline > 0
                ? String.format(Locale.ROOT, "quality breaker closed (baseline %.3f)", baseline)
                : "quality breaker closed (learning its baseline)";
    }

    /** A latency for the progress line; "-" while nothing was measured (no event since the job started). */
    private static String millis(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.0f ms", value) : "-";
    }

    /** A few users' current lists, as a lookup client sees them. */
    void samples(RecommendationClient lookups, long[] users) {
        for (long user : users) {
            try {
                Optional<Recommendations> recs = lookups.recommendations(user);
                if (recs.isPresent()) {
                    long[] top = Arrays.copyOf(recs.get().items, Math.min(5, recs.get().items.length));
                    out.printf("    user %d -> %s (model v%d)%n", user, Arrays.toString(top), recs.get().modelVersion);
                }
            } catch (LookupException e) {
                out.printf("    user %d: %s%n", user, e.getMessage());
            }
        }
        out.flush();
    }

    static double sum(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? 0.0 : value.sum;
    }

    static double max(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? 0.0 : value.max;
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
