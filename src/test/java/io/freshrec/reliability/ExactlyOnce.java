package io.freshrec.reliability;

import static io.freshrec.testing.ServedLists.assertSameItem;
import static io.freshrec.testing.ServedLists.assertSameList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.Recommendations;
import io.freshrec.model.UserHistory;
import io.freshrec.offline.SavepointModel;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.ReferenceModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The checks every fault ends with: the job's state equals the oracle's (through queryable state: every user's
 * served list, every item's model state; through the State Processor API: every user's history and how many events
 * it applied), and the job's own exactly-once totals (events learnt, dead letters) equal the input's.
 */
final class ExactlyOnce {
    private ExactlyOnce() {}

    /** Events each user's history applied compared with the oracle: lost (too few) and duplicated (too many). */
    record Applied(long events, long lost, long duplicated) {}

    /** What a run ended with: events applied, dead letters counted, restarts of its last job. */
    record Outcome(Applied applied, long deadLetters, long restarts, String savepoint) {
        /** Records the summary row, then asserts no event was lost or applied twice. */
        void record(String fault, Scenario scenario, Double lookupsAgainSeconds) {
            Summary.record(
                    fault,
                    scenario.events.size(),
                    applied.lost(),
                    applied.duplicated(),
                    deadLetters,
                    restarts,
                    lookupsAgainSeconds);
            assertThat(applied)
                    .as("events applied by the users' histories")
                    .isEqualTo(new Applied(scenario.appliedEvents(), 0, 0));
        }
    }

    /**
     * The end of every fault: waits until the job answers every lookup as the oracle does and its totals equal the
     * input's, reads its restarts, stops it with a savepoint and counts the events every user's history applied.
     */
    static Outcome verify(MiniClusterExtension cluster, int base, JobClient job, Scenario scenario, Path savepoints)
            throws Exception {
        FlinkRest rest = ReliabilityCluster.rest(cluster);
        String id = job.getJobID().toHexString();
        try (RecommendationClient lookups = ReliabilityCluster.lookups(base, job.getJobID(), Duration.ofSeconds(30))) {
            awaitOracle(lookups, scenario, Duration.ofMinutes(3));
        }
        long deadLetters = awaitTotals(rest, id, scenario, Duration.ofSeconds(60));
        long restarts = restarts(rest, id);
        String savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        return new Outcome(appliedEvents(savepoint, scenario), deadLetters, restarts, savepoint);
    }

    /**
     * Waits until every user's list and every item's state, looked up through queryable state, equal the oracle's
     * (the last events are applied once the end watermark reaches every operator); fails with the last difference.
     */
    static void awaitOracle(RecommendationClient lookups, Scenario scenario, Duration timeout) throws Exception {
        awaitOracle(lookups, scenario, scenario.end, timeout);
    }

    /**
     * As {@link #awaitOracle(RecommendationClient, Scenario, Duration)} where the job's watermark ends at {@code
     * watermark} (after the last event: every model version up to it is committed).
     */
    static void awaitOracle(RecommendationClient lookups, Scenario scenario, long watermark, Duration timeout)
            throws Exception {
        awaitOracle(lookups, scenario, scenario.users(), scenario.items(), watermark, timeout);
    }

    /** As {@link #awaitOracle(RecommendationClient, Scenario, long, Duration)} for some users and items only. */
    static void awaitOracle(
            RecommendationClient lookups,
            Scenario scenario,
            Collection<Long> users,
            Collection<Long> itemIds,
            long watermark,
            Duration timeout)
            throws Exception {
        Map<Long, ReferenceModel.Served> lists = new TreeMap<>();
        users.forEach(user -> lists.put(user, scenario.oracle.recommend(user)));
        Map<Long, ReferenceModel.Item> items = new TreeMap<>();
        itemIds.forEach(item -> items.put(item, scenario.oracle.item(item, watermark)));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                for (Map.Entry<Long, ReferenceModel.Served> expected : lists.entrySet()) {
                    Optional<Recommendations> served = lookups.recommendations(expected.getKey());
                    assertThat(served).as("list of user %d", expected.getKey()).isPresent();
                    assertThat(served.get().eventTime)
                            .as("event time of user %d's list", expected.getKey())
                            .isEqualTo(scenario.oracle.lastEventTime(expected.getKey()));
                    assertSameList(expected.getKey(), served.get(), expected.getValue());
                }
                for (Map.Entry<Long, ReferenceModel.Item> expected : items.entrySet()) {
                    assertSameItem(
                            expected.getKey(),
                            lookups.similarItems(expected.getKey()),
                            expected.getValue(),
                            scenario.settings.get(FreshRecOptions.NEIGHBOURS));
                }
                return;
            } catch (AssertionError notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(500);
            }
        }
    }

    /**
     * Waits until the job's checkpointed totals (gauges parse.eventsTotal and parse.deadLettersTotal, which survive
     * failovers and restores) equal the scenario's valid events and bad records; returns the dead letters counted.
     */
    static long awaitTotals(FlinkRest rest, String jobId, Scenario scenario, Duration timeout) throws Exception {
        return awaitTotals(rest, jobId, scenario.events.size(), scenario.deadLetters, timeout);
    }

    /** As {@link #awaitTotals(FlinkRest, String, Scenario, Duration)} with the expected totals given. */
    static long awaitTotals(FlinkRest rest, String jobId, long events, long expectedDeadLetters, Duration timeout)
            throws Exception {
        List<String> names = List.of("parse.eventsTotal", "parse.deadLettersTotal");
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, FlinkRest.Aggregate> seen = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                seen = rest.metrics(jobId, names);
            } catch (IOException notYet) {
                seen = Map.of();
            }
            if (seen.containsKey(names.get(0))
                    && seen.containsKey(names.get(1))
                    && seen.get(names.get(0)).sum == events
                    && seen.get(names.get(1)).sum == expectedDeadLetters) {
                return (long) seen.get(names.get(1)).sum;
            }
            Thread.sleep(500);
        }
        StringBuilder shown = new StringBuilder();
        seen.forEach((name, value) ->
                shown.append(name).append('=').append((long) value.sum).append(' '));
        throw new AssertionError("job " + jobId + " never counted " + events + " events and " + expectedDeadLetters
                + " dead letters: " + shown);
    }

    /** Restarts of the job since it was submitted (job metric numRestarts). */
    static long restarts(FlinkRest rest, String jobId) throws Exception {
        for (JsonNode metric : rest.get("jobs/" + jobId + "/metrics?get=numRestarts")) {
            return metric.path("value").asLong();
        }
        throw new AssertionError("job " + jobId + " reports no numRestarts");
    }

    /**
     * Reads every user's history from a savepoint of the job (State Processor API) and compares it with the oracle:
     * the same recent items with the same interest, and the number of events applied, user by user.
     */
    static Applied appliedEvents(String savepoint, Scenario scenario) throws Exception {
        Map<Long, UserHistory> histories = new HashMap<>();
        StringWriter progress = new StringWriter();
        SavepointModel.open(savepoint, scenario.settings, new PrintWriter(progress))
                .read(EnumSet.of(SavepointModel.Part.USERS), record -> {
                    // (a user whose only events are still pending has no history yet)
                    if (record.user.history != null) {
                        histories.put(record.user.user, record.user.history);
                    }
                });
        Map<Long, Long> expected = scenario.eventsPerUser();
        long lost = 0;
        long duplicated = 0;
        long applied = 0;
        for (Map.Entry<Long, Long> user : expected.entrySet()) {
            UserHistory history = histories.get(user.getKey());
            long events = history == null ? 0 : history.events;
            applied += events;
            lost += Math.max(0, user.getValue() - events);
            duplicated += Math.max(0, events - user.getValue());
        }
        for (Map.Entry<Long, UserHistory> extra : histories.entrySet()) {
            if (!expected.containsKey(extra.getKey())) {
                duplicated += extra.getValue().events;
                applied += extra.getValue().events;
            }
        }
        if (lost == 0 && duplicated == 0) {
            for (long user : expected.keySet()) {
                assertSameHistory(user, histories.get(user), scenario.oracle.history(user));
            }
        }
        return new Applied(applied, lost, duplicated);
    }

    private static void assertSameHistory(long user, UserHistory actual, UserHistory expected) {
        assertThat(actual.items).as("history of user %d", user).containsExactly(expected.items);
        assertThat(actual.times).as("history times of user %d", user).containsExactly(expected.times);
        assertThat(actual.lastEventTime).as("last event of user %d", user).isEqualTo(expected.lastEventTime);
        for (int i = 0; i < expected.weights.length; i++) {
            assertThat(actual.weights[i])
                    .as("interest %d of user %d", i, user)
                    .isCloseTo(expected.weights[i], within(1e-9 * Math.max(1, expected.weights[i])));
        }
    }
}
