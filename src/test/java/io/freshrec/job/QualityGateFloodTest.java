package io.freshrec.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.Recommendations;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.ParallelTestSource;
import io.freshrec.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quality circuit breaker against a bot flood, in a real job on RocksDB: clean traffic teaches the model
 * and the breaker its baseline (saved as the good version); bots then flood the stream with interactions
 * that push a few promoted items next to the popular ones. Rolling recall falls, the breaker opens, raises an
 * alert and serving stays on the version from before the flood while the model keeps committing poisoned
 * versions. Rolling back to the good version and going on with clean traffic gives back the quality the
 * poisoned model has lost.
 */
class QualityGateFloodTest {
    private static final long START = 1_704_067_200_000L;
    private static final int USERS = 300;
    private static final int ITEMS = 1000;
    private static final int CLUSTERS = 10;
    private static final int CLEAN = 4000;
    private static final int FLOOD = 3000;
    private static final int AFTER = 2000;
    private static final long FLOOD_START = START + 200_000;
    private static final long AFTER_START = START + 240_000;

    /** Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extension(PORTS.port(0), PORTS.port(1));

    @TempDir
    Path savepoints;

    private final SyntheticInteractions world =
            new SyntheticInteractions(5, USERS, ITEMS, CLUSTERS, START, 20, 3_600_000L, 1_000_000, 0.0);

    private static Configuration settings(boolean breaker) {
        Configuration settings = new Configuration();
        settings.set(FreshRecOptions.ALIGN_TO_MODEL, true);
        settings.set(FreshRecOptions.PUBLISH_INTERVAL, Duration.ofMillis(500));
        settings.set(FreshRecOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
        settings.set(FreshRecOptions.IDLENESS, Duration.ofSeconds(2));
        settings.set(FreshRecOptions.RECALL_WINDOW, 200);
        settings.set(FreshRecOptions.BREAKER_ENABLED, breaker);
        settings.set(FreshRecOptions.BREAKER_MAX_DROP, 0.5);
        settings.set(FreshRecOptions.BREAKER_HOLD, Duration.ofSeconds(10));
        // The clean phase lasts 200 s of event time: a baseline that forgets the cold start within it.
        settings.set(FreshRecOptions.BREAKER_BASELINE_HALF_LIFE, Duration.ofSeconds(20));
        settings.set(FreshRecOptions.DRIFT_WINDOW, Duration.ofSeconds(10));
        return settings;
    }

    /** Clean traffic: the synthetic world's n-th interaction at {@code time}. */
    private Interaction clean(long n, long time) {
        return world.at(n, time);
    }

    /**
     * The flood: 50 bots, 4 of every 5 events, on items from all over the catalogue (new to the bot, so scored:
     * their picks pull rolling recall down, and their co-occurrences blur the model's neighbours).
     */
    private List<Interaction> flood() {
        SplittableRandom random = new SplittableRandom(42);
        List<Interaction> events = new ArrayList<>();
        for (int k = 0; k < FLOOD; k++) {
            long time = FLOOD_START + k * 10L;
            if (k % 5 == 0) {
                events.add(clean(CLEAN + k / 5, time));
                continue;
            }
            long bot = 1_000_000 + k % 50;
            long item = 1 + random.nextInt(ITEMS);
            events.add(new Interaction(bot, item, EventType.PURCHASE, Double.NaN, time));
        }
        return events;
    }

    private List<Interaction> after() {
        List<Interaction> events = new ArrayList<>();
        for (int j = 0; j < AFTER; j++) {
            events.add(clean(CLEAN + FLOOD / 5 + j, AFTER_START + j * 50L));
        }
        return events;
    }

    private record Phase(
            JobClient job,
            CollectingSink<Recommendations> lists,
            CollectingSink<QualityAlert> alerts,
            CollectingSink<ModelUpdate> versions) {}

    private Phase start(String name, List<Interaction> events, boolean breaker, String savepoint) throws Exception {
        List<String> records = new ArrayList<>();
        events.forEach(event -> records.add(InteractionParser.toJson(event)));
        CollectingSink<Recommendations> lists = new CollectingSink<>(name + "-lists");
        CollectingSink<QualityAlert> alerts = new CollectingSink<>(name + "-alerts");
        CollectingSink<ModelUpdate> versions = new CollectingSink<>(name + "-versions");
        // Paced: each watermark step (100 ms) covers about 0.5 s of event time, as in a live stream, so a serving
        // subtask scores events close to their time order (a full-speed replay releases whole per-user backlogs at
        // once, and a rolling window becomes a window of one user).
        FreshRecJob job = new FreshRecJob(
                settings(breaker),
                ParallelTestSource.of(records, 1, 1000),
                new CollectingSink<DeadLetter>(name + "-dead-letters"),
                lists);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        FreshRecJob.Outputs outputs = job.build(env);
        outputs.qualityAlerts.sinkTo(alerts).uid("test-alerts").name("test-alerts");
        outputs.modelUpdates.sinkTo(versions).uid("test-versions").name("test-versions");
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(FreshRecJob.JOB_NAME);
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return new Phase(env.executeAsync(graph), lists, alerts, versions);
    }

    /** Waits until every event was served (align-to-model serves each once), stops with a savepoint. */
    private String finish(Phase phase, int events, JobExecutionResult[] result) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (phase.lists.received().size() < events) {
            assertThat(System.nanoTime())
                    .as(
                            "all %d events served in time (%d)",
                            events, phase.lists.received().size())
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
        String savepoint = phase.job
                .stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
        result[0] = phase.job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        return savepoint;
    }

    private static double recall(JobExecutionResult result) {
        long hits = ((Number) result.getAccumulatorResult(ServingFunction.ACC_HITS)).longValue();
        long scored = ((Number) result.getAccumulatorResult(ServingFunction.ACC_SCORED)).longValue();
        assertThat(scored).isPositive();
        return (double) hits / scored;
    }

    @Test
    void shouldHoldServingAtTheLastGoodVersionDuringAFloodAndRecoverByRollback() throws Exception {
        List<Interaction> cleanStart = new ArrayList<>();
        for (int n = 0; n < CLEAN; n++) {
            cleanStart.add(clean(n, world.timeOf(n)));
        }
        JobExecutionResult[] result = new JobExecutionResult[1];

        // 1. Clean traffic: a good model, and a baseline. Its savepoint is the last good version.
        Phase good = start("good", cleanStart, true, null);
        String goodVersion = finish(good, CLEAN, result);
        double cleanRecall = recall(result[0]);
        assertThat(good.alerts.received()).isEmpty();
        assertThat(cleanRecall).isGreaterThan(0.1);

        // 2. The flood: the breaker opens and serving holds the version from before it.
        Phase flooded = start("flooded", flood(), true, goodVersion);
        String floodedVersion = finish(flooded, FLOOD, result);
        List<QualityAlert> alerts = flooded.alerts.received();
        assertThat(alerts).as("alerts").isNotEmpty();
        QualityAlert alert = alerts.get(0);
        assertThat(alert.kind).isEqualTo(QualityAlert.OPENED);
        assertThat(alert.eventTime).isBetween(FLOOD_START, FLOOD_START + FLOOD * 10L);
        assertThat(alert.recall).isLessThan(0.5 * alert.baseline);
        assertThat(alert.baseline).isGreaterThan(0.1);
        // Frozen at a version the good phase committed, before the flood: the last measured healthy.
        long lastGoodVersion = good.versions.received().stream()
                .filter(ModelUpdate::isCommit)
                .mapToLong(update -> update.version)
                .max()
                .orElseThrow();
        assertThat(alert.frozenVersion).isPositive().isLessThanOrEqualTo(lastGoodVersion);
        // The model went on committing (poisoned) versions, but every list served after the alert is the frozen one.
        long newestVersion = flooded.versions.received().stream()
                .filter(ModelUpdate::isCommit)
                .mapToLong(update -> update.version)
                .max()
                .orElseThrow();
        assertThat(newestVersion).isGreaterThan(alert.frozenVersion + 10);
        List<Recommendations> afterAlert = flooded.lists.received().stream()
                .filter(list -> list.eventTime > alert.eventTime)
                .toList();
        assertThat(afterAlert)
                .isNotEmpty()
                .allSatisfy(list -> assertThat(list.modelVersion).isEqualTo(alert.frozenVersion));
        assertThat(alerts).noneMatch(a -> a.kind.equals(QualityAlert.CLOSED)); // the bots never stopped

        // 3. Going on from the poisoned model (breaker off: what serving would show without the gate) ...
        Phase poisoned = start("poisoned", after(), false, floodedVersion);
        finish(poisoned, AFTER, result);
        double poisonedRecall = recall(result[0]);
        // ... against rolling back to the last good version and going on from there.
        Phase rolledBack = start("rolled-back", after(), true, goodVersion);
        finish(rolledBack, AFTER, result);
        double rolledBackRecall = recall(result[0]);

        assertThat(rolledBack.alerts.received()).isEmpty();
        assertThat(rolledBackRecall)
                .as("recall after rollback vs the baseline %.4f", alert.baseline)
                .isGreaterThan((1 - 0.5) * alert.baseline);
        assertThat(rolledBackRecall)
                .as("recall after rollback vs on the poisoned model")
                .isGreaterThan(poisonedRecall);
        System.out.printf(
                "quality gate flood: clean recall %.4f, baseline %.4f, alert at rolling %.4f frozen at v%d (newest v%d); "
                        + "after: poisoned %.4f, rolled back %.4f%n",
                cleanRecall,
                alert.baseline,
                alert.recall,
                alert.frozenVersion,
                newestVersion,
                poisonedRecall,
                rolledBackRecall);
    }
}
