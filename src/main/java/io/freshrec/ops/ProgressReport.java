package io.freshrec.ops;

import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What an embedded run prints while its job runs: two lines of figures from the job's metrics (read through Flink's
 * REST API, summed or averaged over subtasks) and, now and then, a few users' lists looked up as a client would.
 */
final class ProgressReport {
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
            JobFigures f = JobFigures.of(flink.metrics(jobId, JobFigures.METRICS));
            long previousEvents = summary.events;
            long now = System.nanoTime();
            summary.events = f.eventsThisRun();
            double rate = (summary.events - previousEvents) / ((now - lastReport) / 1e9);
            lastReport = now;
            summary.deadLetters = f.deadLettersThisRun();
            summary.hits = f.hitsThisRun();
            summary.scored = f.scoredThisRun();
            // The model's figures (restored with it: after a rollback they continue from the version), the rate
            // of this job.
            out.printf(
                    "[%5.0fs] events %,d (%,.0f/s) | users %,d | items %,d | model v%,d | dead letters %,d%s | "
                            + "freshness p50 %s p99 %s%n",
                    (System.nanoTime() - started) / 1e9,
                    f.events(),
                    rate,
                    f.users(),
                    f.items(),
                    f.modelVersion(),
                    f.deadLetters(),
                    f.rateLimited() > 0 ? String.format(" (%,d rate-limited)", f.rateLimited()) : "",
                    millis(f.freshnessP50Ms()),
                    millis(f.freshnessP99Ms()));
            out.printf(
                    "        recall@10 rolling %.3f total %.3f trend %+.3f/window | NDCG@10 rolling %.3f total %.3f | "
                            + "drift: popularity shift %.3f, new users %,.0f/s, new items %,.0f/s | %s%n",
                    f.recallRolling(),
                    f.recallTotal(),
                    f.recallTrend(),
                    f.ndcgRolling(),
                    f.ndcgTotal(),
                    f.popularityShift(),
                    f.newUsersPerSecond(),
                    f.newItemsPerSecond(),
                    breaker(f));
        } catch (IOException e) {
            out.println("(metrics not available yet: " + e.getMessage() + ")");
        }
        out.flush();
    }

    /** The quality breaker's state for the progress line. */
    private static String breaker(JobFigures f) {
        if (f.breakerTripped()) {
            return String.format(
                    Locale.ROOT,
                    "quality breaker OPEN on %d of %d serving subtasks: serving frozen at model v%d",
                    f.breakerOpen(),
                    f.servingSubtasks(),
                    f.frozenModelVersion());
        }
        return f.qualityBaseline() > 0
                ? String.format(Locale.ROOT, "quality breaker closed (baseline %.3f)", f.qualityBaseline())
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
        return JobFigures.sum(metrics, name);
    }

    static double max(Map<String, FlinkRest.Aggregate> metrics, String name) {
        return JobFigures.max(metrics, name);
    }
}
