package io.freshrec.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.ItemState;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ParallelTestSource;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
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
 * Savepoints are model versions: stop the job with a savepoint at parallelism 2, start it again from
 * the savepoint at parallelism 1, and every lookup answers exactly as before. This holds only if
 * every stateful operator has a stable uid, every state type is a POJO (generic types are off) and
 * max parallelism is fixed.
 */
class SavepointRestoreTest {
    /** Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(0);
    private static final long START = 1_704_067_200_000L;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extension(PROXY_PORT, PORTS.port(1));

    @TempDir
    Path savepoints;

    private static Configuration settings() {
        Configuration settings = new Configuration();
        settings.set(FreshRecOptions.ALIGN_TO_MODEL, true);
        settings.set(FreshRecOptions.PUBLISH_INTERVAL, Duration.ofMillis(500));
        settings.set(FreshRecOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
        settings.set(FreshRecOptions.IDLENESS, Duration.ofSeconds(8));
        return settings;
    }

    @Test
    void shouldAnswerLookupsIdenticallyAfterRestoringASavepointAtAnotherParallelism() throws Exception {
        SyntheticInteractions world = new SyntheticInteractions(11, 40, 80, 5, START, 20, 20_000, 20, 0.0);
        List<Interaction> events = new ArrayList<>();
        List<String> records = new ArrayList<>();
        for (int n = 0; n < 800; n++) {
            events.add(world.at(n));
            records.add(InteractionParser.toJson(events.get(n)));
        }
        FreshRecJob first = new FreshRecJob(
                settings(),
                ParallelTestSource.of(records, 2),
                new CollectingSink<DeadLetter>("savepoint-dead-letters-1"),
                null);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        first.build(env);
        JobClient running = env.executeAsync(FreshRecJob.JOB_NAME);

        ReferenceModel reference = new ReferenceModel(OracleSettings.of(settings()), events);
        Map<Long, Recommendations> before = new HashMap<>();
        Map<Long, ItemState> itemsBefore = new HashMap<>();
        Set<Long> items = new TreeSet<>();
        events.forEach(event -> items.add(event.itemId));
        try (RecommendationClient lookups = client(running)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            for (long user : reference.users()) {
                Optional<Recommendations> recs;
                do {
                    recs = lookups.recommendations(user);
                    assertThat(System.nanoTime())
                            .as("user %d served in time", user)
                            .isLessThan(deadline);
                    if (recs.isEmpty() || recs.get().eventTime != reference.lastEventTime(user)) {
                        Thread.sleep(200);
                    }
                } while (recs.isEmpty() || recs.get().eventTime != reference.lastEventTime(user));
                before.put(user, recs.get());
            }
            // Items get their last versions once the watermark passes them: wait for every item's last change.
            for (long item : items) {
                long lastChange = reference.lastUpdateTime(item);
                Optional<ItemState> state;
                do {
                    state = lookups.similarItems(item);
                    assertThat(System.nanoTime())
                            .as("item %d final in time", item)
                            .isLessThan(deadline);
                    if (state.isEmpty() || state.get().lastEventTime != lastChange) {
                        Thread.sleep(200);
                    }
                } while (state.isEmpty() || state.get().lastEventTime != lastChange);
                itemsBefore.put(item, state.get());
            }
        }
        // A client that finds the job by name through the REST API, kept across the restore.
        Configuration client = CLUSTER.getClientConfiguration();
        URI rest = URI.create("http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT));
        long someUser = before.keySet().iterator().next();
        RecommendationClient roaming =
                new RecommendationClient("localhost", PROXY_PORT, rest, null, Duration.ofSeconds(30));
        assertThat(roaming.recommendations(someUser).orElseThrow().items).containsExactly(before.get(someUser).items);
        assertThat(roaming.jobId()).isEqualTo(running.getJobID());

        // The size and version gauges of the model, which a restored job must show before it learns anything new.
        FlinkRest flink = new FlinkRest(rest);
        Map<String, Double> figures = Map.of(
                "serving.users",
                (double) reference.users().size(),
                "item-model.items",
                (double) items.size(),
                "parse.eventsTotal",
                (double) events.size());
        double version = awaitFigures(flink, running.getJobID().toHexString(), figures, null);
        assertThat(version).isPositive();

        String savepoint = running.stopWithSavepoint(
                        false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);

        // Version 2 of the deployment: one slot, nothing new to read.
        FreshRecJob second = new FreshRecJob(
                settings(),
                ParallelTestSource.of(List.of(), 1),
                new CollectingSink<DeadLetter>("savepoint-dead-letters-2"),
                null);
        StreamExecutionEnvironment restoredEnv = StreamExecutionEnvironment.getExecutionEnvironment();
        restoredEnv.setParallelism(1);
        second.build(restoredEnv);
        StreamGraph graph = restoredEnv.getStreamGraph();
        graph.setJobName(FreshRecJob.JOB_NAME);
        graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        JobClient restored = restoredEnv.executeAsync(graph);
        try (RecommendationClient lookups = client(restored)) {
            for (Map.Entry<Long, Recommendations> entry : before.entrySet()) {
                Recommendations after = lookups.recommendations(entry.getKey()).orElseThrow();
                assertThat(after.items).as("items of user %d", entry.getKey()).containsExactly(entry.getValue().items);
                assertThat(after.scores)
                        .as("scores of user %d", entry.getKey())
                        .containsExactly(entry.getValue().scores);
                assertThat(after.modelVersion).isEqualTo(entry.getValue().modelVersion);
                assertThat(after.eventTime).isEqualTo(entry.getValue().eventTime);
            }
            assertThat(itemsBefore).hasSameSizeAs(items);
            for (Map.Entry<Long, ItemState> entry : itemsBefore.entrySet()) {
                ItemState after = lookups.similarItems(entry.getKey()).orElseThrow();
                assertThat(after.snapshot.neighbours).containsExactly(entry.getValue().snapshot.neighbours);
                assertThat(after.snapshot.cooccurrence).containsExactly(entry.getValue().snapshot.cooccurrence);
                assertThat(after.snapshot.norm).isEqualTo(entry.getValue().snapshot.norm);
            }
            // Figures continue from the savepoint: users, items, events learnt and the model version, with no new
            // event.
            assertThat(awaitFigures(flink, restored.getJobID().toHexString(), figures, version))
                    .isEqualTo(version);
            // The roaming client notices the job changed and finds the new one.
            assertThat(roaming.recommendations(someUser).orElseThrow().items)
                    .containsExactly(before.get(someUser).items);
            assertThat(roaming.jobId()).isEqualTo(restored.getJobID());
        } finally {
            roaming.close();
            restored.cancel().get();
        }
    }

    /**
     * Waits until the job's summed gauges equal {@code expected} (and its model-version gauge equals
     * {@code version} when given; metrics reach the REST API every few seconds); returns the model version.
     */
    private static double awaitFigures(FlinkRest flink, String job, Map<String, Double> expected, Double version)
            throws Exception {
        List<String> names = new ArrayList<>(expected.keySet());
        names.add("model-gate.modelVersion");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, FlinkRest.Aggregate> seen = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                seen = flink.metrics(job, names);
            } catch (IOException notYet) {
                seen = Map.of();
            }
            boolean all = seen.containsKey("model-gate.modelVersion");
            for (Map.Entry<String, Double> figure : expected.entrySet()) {
                all &= seen.containsKey(figure.getKey()) && seen.get(figure.getKey()).sum == figure.getValue();
            }
            if (all && (version == null || seen.get("model-gate.modelVersion").max == version)) {
                return seen.get("model-gate.modelVersion").max;
            }
            Thread.sleep(500);
        }
        StringBuilder shown = new StringBuilder();
        seen.forEach((name, value) ->
                shown.append(name).append('=').append(value.sum).append(' '));
        throw new AssertionError(
                "job " + job + " never showed " + expected + " (model version " + version + "): " + shown);
    }

    private static RecommendationClient client(JobClient job) throws Exception {
        return new RecommendationClient(
                "localhost", PROXY_PORT, URI.create("http://localhost:1"), job.getJobID(), Duration.ofSeconds(30));
    }
}
