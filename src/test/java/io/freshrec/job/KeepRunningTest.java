package io.freshrec.job;

import static io.freshrec.testing.ServedLists.awaitLists;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
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
 * {@code --keep-running}: a finite generator stays open after its last event, the job keeps running,
 * checkpointing and answering lookups with the final model, a savepoint can be taken, and a job started
 * from that savepoint with more events continues where the first stopped: it reads only the new events, and
 * serves exactly what one job reading all events would.
 */
class KeepRunningTest {
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
        settings.set(FreshRecOptions.NEIGHBOURS, 500);
        settings.set(FreshRecOptions.TOP_N, 10);
        settings.set(FreshRecOptions.PUBLISH_INTERVAL, Duration.ofMillis(500));
        settings.set(FreshRecOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
        return settings;
    }

    private static final SyntheticInteractions WORLD =
            new SyntheticInteractions(5, 50, 100, 5, START, 20, 20_000, 20, 0.0);

    private static JobClient start(long events, String savepoint) throws Exception {
        FreshRecJob job = new FreshRecJob(
                settings(),
                InteractionSource.generator(WORLD, events, 0, false, true),
                new CollectingSink<DeadLetter>("keep-running-dead-letters-" + events),
                null);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(500);
        job.build(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(FreshRecJob.JOB_NAME);
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return env.executeAsync(graph);
    }

    private static ReferenceModel reference(int count) {
        List<Interaction> events = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            events.add(WORLD.at(n));
        }
        return new ReferenceModel(OracleSettings.of(settings()), events);
    }

    @Test
    void shouldStayUpAfterTheLastEventAndContinueFromItsSavepointWithMoreEvents() throws Exception {
        JobClient first = start(600, null);
        ReferenceModel firstReference = reference(600);
        FlinkRest rest = rest();
        try (RecommendationClient lookups = client(first)) {
            // Once the input has ended every list is scored with the final model, as for a finished input.
            awaitLists(
                    lookups,
                    firstReference,
                    user -> firstReference.recommend(user, Long.MAX_VALUE),
                    Duration.ofSeconds(90));

            // The input has ended, yet the job runs on and keeps completing checkpoints.
            long completed = completedCheckpoints(rest, first);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (completedCheckpoints(rest, first) < completed + 2) {
                assertThat(System.nanoTime())
                        .as("checkpoints after the end of input")
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
            assertThat(first.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            awaitEvents(rest, first, 600);
        }
        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);

        // The same generator with 1,000 events, from the savepoint: reads events 600..999 only.
        JobClient second = start(1000, savepoint);
        ReferenceModel fullReference = reference(1000);
        try (RecommendationClient lookups = client(second)) {
            // Users active after the restore are scored with the final model of all 1,000 events; the others keep
            // the list the first job's end gave them.
            awaitLists(
                    lookups,
                    fullReference,
                    user -> fullReference.lastEventTime(user) > WORLD.timeOf(599)
                            ? fullReference.recommend(user, Long.MAX_VALUE)
                            : firstReference.recommend(user, Long.MAX_VALUE),
                    Duration.ofSeconds(90));
            awaitEvents(rest, second, 400);
            assertThat(second.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            second.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /** The job's own count of parsed events (metrics are fetched periodically: poll). */
    private static void awaitEvents(FlinkRest rest, JobClient job, long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        double events = -1;
        while (System.nanoTime() < deadline) {
            FlinkRest.Aggregate parsed = rest.metrics(job.getJobID().toHexString(), List.of("parse.events"))
                    .get("parse.events");
            events = parsed == null ? -1 : parsed.sum;
            if (events == expected) {
                // Stays there: nothing more is read.
                Thread.sleep(1500);
                assertThat(rest.metrics(job.getJobID().toHexString(), List.of("parse.events"))
                                .get("parse.events")
                                .sum)
                        .isEqualTo(expected);
                return;
            }
            Thread.sleep(500);
        }
        assertThat(events).as("events parsed by job %s", job.getJobID()).isEqualTo(expected);
    }

    private static long completedCheckpoints(FlinkRest rest, JobClient job) throws Exception {
        return rest.get("jobs/" + job.getJobID() + "/checkpoints")
                .path("counts")
                .path("completed")
                .asLong();
    }

    private static FlinkRest rest() {
        return FreshRecCluster.rest(CLUSTER);
    }

    private static RecommendationClient client(JobClient job) throws Exception {
        return new RecommendationClient(
                "localhost", PROXY_PORT, URI.create("http://localhost:1"), job.getJobID(), Duration.ofSeconds(30));
    }
}
