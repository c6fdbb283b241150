package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.TestPorts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 15, a flood of new ids: between two stretches of a live stream, 500,000 interactions each with a user and an
 * item never seen before (a million new ids). Without a bound every serving subtask would hold all 500,000 items in
 * its copy of the model (and restore them after a crash: a restart loop once the heap is full); with {@code
 * freshrec.serving.max-items} it holds at most the bound and evicts the least trending, the made-up ones. The job
 * stays up, loses nothing, and its existing users and items are served exactly as the oracle says, before and after.
 */
class IdFloodIT {
    private static final int BASE = TestPorts.block().first();
    private static final int WORLD = 1_500;
    private static final int FLOOD = 500_000;
    private static final int AFTER = 300;
    private static final int MAX_ITEMS = 5_000;
    private static final long FLOOD_IDS = 10_000_000L;

    /**
     * The shipped RocksDB memory (flink-conf/config.yaml: 1 GiB managed): with the tests' 256 MiB a million new keys
     * stall RocksDB's writes on flushes, which is a setting, not the scenario.
     */
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extension(
            ReliabilityCluster.withShippedManagedMemory(ReliabilityCluster.configuration(BASE)));

    @TempDir
    Path savepoints;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void shouldStayUpAndKeepServingExistingUsersThroughAMillionNewIds() throws Exception {
        Configuration settings = Scenario.settings();
        settings.set(FreshRecOptions.MAX_SERVING_ITEMS, MAX_ITEMS);
        Scenario scenario = new Scenario("id-flood", new FloodRecords(), WORLD + FLOOD + AFTER, settings);
        Set<Long> users = new TreeSet<>();
        Set<Long> items = new TreeSet<>();
        for (Interaction event : scenario.events) {
            if (event.userId < FLOOD_IDS) {
                users.add(event.userId);
            }
            if (event.itemId < FLOOD_IDS) {
                items.add(event.itemId);
            }
        }
        // The scenario's premise: every item of the live stream is more popular than a made-up one (seen once).
        long flooded =
                scenario.events.stream().filter(e -> e.userId >= FLOOD_IDS).count();
        assertThat(flooded).isEqualTo(FLOOD);
        for (long item : items) {
            assertThat(scenario.oracle.item(item, Long.MAX_VALUE).trending)
                    .as("trending weight of live item %d", item)
                    .isGreaterThan(1.5);
        }

        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        // Checkpoints as shipped (every 10 s) rather than the suite's 500 ms: the state of a million keys is what is
        // checkpointed here, and the fault is the flood, not the checkpoints.
        env.enableCheckpointing(10_000);
        new FreshRecJob(
                        scenario.settings,
                        scenario.source(0, null),
                        new CollectingSink<DeadLetter>("flood-dead-letters"),
                        null) // half a million lists: looked up, not collected
                .build(env);
        long started = System.nanoTime();
        JobClient job = ReliabilityCluster.execute(env, null);
        String id = job.getJobID().toHexString();
        FlinkRest rest = ReliabilityCluster.rest(CLUSTER);
        awaitServed(rest, id, scenario.events.size(), started);
        double seconds = (System.nanoTime() - started) / 1e9;
        try (RecommendationClient lookups = ReliabilityCluster.lookups(BASE, job.getJobID(), Duration.ofSeconds(30))) {
            ExactlyOnce.awaitOracle(lookups, scenario, users, items, scenario.end, Duration.ofMinutes(2));
        }
        // The eviction counts are gauges read through the REST API, which caches metrics: the lists may be final
        // before the figures it reports are. They only grow, so wait (30 s at most) for them to reach the bound.
        long evictedAtLeast = FLOOD + items.size() - MAX_ITEMS;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> figures = List.of("serving.modelItems", "serving.servingItemsEvicted");
        Map<String, FlinkRest.Aggregate> serving = awaitMetrics(rest, id, figures);
        while (serving.get("serving.servingItemsEvicted").min < evictedAtLeast && System.nanoTime() < deadline) {
            Thread.sleep(500);
            serving = awaitMetrics(rest, id, figures);
        }
        double held = serving.get("serving.modelItems").max;
        double evictedPerSubtask = serving.get("serving.servingItemsEvicted").min;
        System.out.printf(
                "[reliability] %s: %,d events (%,d new users and items) in %.0f s; serving held at most %,.0f items"
                        + " per subtask, evicted at least %,.0f each%n",
                scenario.name, scenario.events.size(), 2L * FLOOD, seconds, held, evictedPerSubtask);
        assertThat(held).as("items held by a serving subtask").isLessThanOrEqualTo(MAX_ITEMS);
        assertThat(evictedPerSubtask)
                .as("items evicted by each serving subtask")
                .isGreaterThanOrEqualTo(evictedAtLeast);

        ExactlyOnce.Outcome outcome = verifyTotals(id, job, scenario);
        outcome.record(
                "15 a flood of 1M new ids (" + String.format("%,d", FLOOD) + " new users and items; serving held "
                        + String.format("%,.0f", held) + " items, evicted the rest)",
                scenario,
                null);
        assertThat(outcome.restarts()).as("restarts").isZero();
    }

    /** Totals, restarts and the events every history applied (the lists were compared already). */
    private ExactlyOnce.Outcome verifyTotals(String id, JobClient job, Scenario scenario) throws Exception {
        // (A client of its own: FlinkRest keeps the metric names it first found per vertex.)
        FlinkRest rest = ReliabilityCluster.rest(CLUSTER);
        long deadLetters = ExactlyOnce.awaitTotals(rest, id, scenario, Duration.ofMinutes(1));
        long restarts = ExactlyOnce.restarts(rest, id);
        String savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(3, TimeUnit.MINUTES);
        return new ExactlyOnce.Outcome(
                ExactlyOnce.appliedEvents(savepoint, scenario), deadLetters, restarts, savepoint);
    }

    /** Waits until serving has seen every valid event, printing the progress every 10 s. */
    private static void awaitServed(FlinkRest rest, String id, long events, long started) throws Exception {
        String name = "serving.freshnessMs_count";
        String parsed = "parse.events";
        long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
        long lastPrint = 0;
        while (true) {
            Map<String, FlinkRest.Aggregate> seen;
            try {
                seen = rest.metrics(id, List.of(parsed, name));
            } catch (IOException notYet) {
                seen = Map.of();
            }
            double read = seen.containsKey(parsed) ? seen.get(parsed).sum : 0;
            double served = seen.containsKey(name) ? seen.get(name).sum : 0;
            long now = System.nanoTime();
            if (now - lastPrint > 10e9) {
                System.out.printf(
                        "[reliability] id-flood: %,.0f of %,d events read, %,.0f served after %.0f s%n",
                        read, events, served, (now - started) / 1e9);
                lastPrint = now;
            }
            if (read >= events) {
                return;
            }
            assertThat(now).as("all events read in time").isLessThan(deadline);
            Thread.sleep(1000);
        }
    }

    private static Map<String, FlinkRest.Aggregate> awaitMetrics(FlinkRest rest, String id, List<String> names)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                Map<String, FlinkRest.Aggregate> found = rest.metrics(id, names);
                if (found.keySet().containsAll(names) || System.nanoTime() > deadline) {
                    return found;
                }
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
            }
            Thread.sleep(500);
        }
    }

    /**
     * The input, made on demand: the live stream's first {@value #WORLD} records (60 users, 120 items, 1% malformed),
     * then {@value #FLOOD} views each by a new user of a new item, 5 a millisecond of event time, then {@value #AFTER}
     * more records of the live stream.
     */
    private static final class FloodRecords implements GeneratorFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private static final long FLOOD_START = Scenario.START + WORLD * 50L + 1_000;
        private static final long AFTER_START = FLOOD_START + FLOOD / 5 + 1_000;

        private final SyntheticInteractions world =
                new SyntheticInteractions(43, 60, 120, 6, Scenario.START, 20, 20_000, 1_000_000, 0.01);

        @Override
        public String map(Long n) {
            if (n < WORLD) {
                return world.lineAt(n);
            }
            if (n < WORLD + FLOOD) {
                long k = n - WORLD;
                return InteractionParser.toJson(
                        new Interaction(FLOOD_IDS + k, FLOOD_IDS + k, EventType.VIEW, Double.NaN, FLOOD_START + k / 5));
            }
            long m = n - WORLD - FLOOD + WORLD; // the live stream goes on where it stopped
            return world.lineAt(m, AFTER_START + (m - WORLD) * 50);
        }
    }
}
