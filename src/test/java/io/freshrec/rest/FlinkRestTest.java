package io.freshrec.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.cli.FreshRecJobMain;
import io.freshrec.events.DeadLetter;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.MetricNames;
import io.freshrec.model.Recommendations;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.JobJar;
import io.freshrec.testing.TestPorts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST calls behind versions and rollback, against a real MiniCluster's REST API (with
 * flink-runtime-web on the classpath it serves /jars as a standalone cluster does).
 */
class FlinkRestTest {
    /**
     * Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server, 2 nothing (a REST API
     * that is not there).
     */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(0);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extension(PROXY_PORT, PORTS.port(1));

    @TempDir
    Path work;

    private static FlinkRest rest() {
        return FreshRecCluster.rest(CLUSTER);
    }

    @AfterEach
    void cancelLeftovers() throws Exception {
        FreshRecCluster.cancelActiveJobs(CLUSTER);
    }

    /** Submits the job reading {@code events} events of a small generator world of {@code seed}, kept running. */
    private static String submit(long seed, int events, String deadLetters) throws Exception {
        SyntheticInteractions world =
                new SyntheticInteractions(seed, 20, 40, 4, 1_704_067_200_000L, 20, 20_000, 20, 0.0);
        FreshRecJob job = new FreshRecJob(
                new Configuration(),
                InteractionSource.generator(world, events, 0, false, true),
                new CollectingSink<DeadLetter>(deadLetters),
                null);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        job.build(env);
        return env.executeAsync(FreshRecJob.JOB_NAME).getJobID().toHexString();
    }

    @Test
    void shouldTakeASavepointThenStopWithOne() throws Exception {
        String jobId = submit(3, 200, "rest-dead-letters");
        FlinkRest rest = rest();
        rest.awaitRunning(jobId, Duration.ofSeconds(60));
        assertThat(rest.findRunningJob(FreshRecJob.JOB_NAME)).contains(jobId);

        String trigger =
                rest.triggerSavepoint(jobId, work.resolve("savepoints").toUri().toString(), "CANONICAL");
        String savepoint = rest.awaitSavepoint(jobId, trigger, Duration.ofSeconds(60));
        assertThat(Path.of(URI.create(savepoint)).resolve("_metadata")).isRegularFile();
        assertThat(rest.jobStatus(jobId)).isEqualTo("RUNNING");

        String stop =
                rest.stopWithSavepoint(jobId, work.resolve("savepoints").toUri().toString(), "CANONICAL");
        String last = rest.awaitSavepoint(jobId, stop, Duration.ofSeconds(60));
        assertThat(last).isNotEqualTo(savepoint);
        assertThat(Path.of(URI.create(last)).resolve("_metadata")).isRegularFile();
        assertThat(rest.awaitTerminal(jobId, Duration.ofSeconds(30))).isEqualTo("FINISHED");
        assertThat(rest.findRunningJob(FreshRecJob.JOB_NAME)).isEmpty();

        // A savepoint of a job that is not running: Flink's refusal, on one line.
        assertThatThrownBy(() -> rest.awaitSavepoint(
                        jobId, rest.triggerSavepoint(jobId, null, "CANONICAL"), Duration.ofSeconds(30)))
                .isInstanceOf(IOException.class)
                .message()
                .doesNotContain("\n")
                .doesNotContain("\tat ");
    }

    /**
     * One client asked for metrics as soon as the job is submitted (before it may list its vertices or its operators
     * their metrics), then for other metrics of the same vertex: it used to keep the first, empty or partial, answer
     * for good (a test waiting for progress saw 0 events of a job that had read them all).
     */
    @Test
    void shouldReadMetricsAskedForRightAfterSubmissionAndOtherMetricsOfTheSameVertexLater() throws Exception {
        String jobId = submit(5, 300, "rest-metrics-dead-letters");
        FlinkRest rest = rest();
        try {
            rest.metrics(jobId, List.of(MetricNames.PARSE_EVENTS)); // at once: whatever the job lists by now
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Map<String, FlinkRest.Aggregate> seen = Map.of();
            while (!(seen.containsKey(MetricNames.PARSE_EVENTS) && seen.get(MetricNames.PARSE_EVENTS).sum == 300)) {
                assertThat(System.nanoTime())
                        .as("parse.events reaches 300: %s", seen)
                        .isLessThan(deadline);
                Thread.sleep(200);
                seen = rest.metrics(jobId, List.of(MetricNames.PARSE_EVENTS));
            }
            // Another metric of the same vertex, through the same client.
            assertThat(rest.metrics(jobId, List.of(MetricNames.PARSE_EVENTS_TOTAL)))
                    .containsKey(MetricNames.PARSE_EVENTS_TOTAL);
        } finally {
            rest.cancel(jobId);
            rest.awaitTerminal(jobId, Duration.ofSeconds(30));
        }
    }

    @Test
    void shouldUploadAndRunTheJobJarFreshAndFromASavepoint() throws Exception {
        FlinkRest rest = rest();
        Path jar = JobJar.build(work);
        String jarId = rest.uploadJar(jar);
        assertThat(jarId).endsWith("_freshrec-job.jar");
        List<String> args = List.of(
                "--flink-conf",
                "flink-conf",
                "--dead-letters",
                work.resolve("dead").toString(),
                "--events",
                "300",
                "--rate",
                "0",
                "--users",
                "30",
                "--items",
                "60",
                "--keep-running",
                "-D",
                "execution.checkpointing.dir=" + work.resolve("checkpoints").toUri());

        String jobId = rest.runJar(jarId, FreshRecJobMain.class.getName(), args, 1, null);
        rest.awaitRunning(jobId, Duration.ofSeconds(60));
        Recommendations before = awaitStableList(jobId, 1);
        String stop =
                rest.stopWithSavepoint(jobId, work.resolve("savepoints").toUri().toString(), "CANONICAL");
        String savepoint = rest.awaitSavepoint(jobId, stop, Duration.ofSeconds(60));
        assertThat(rest.awaitTerminal(jobId, Duration.ofSeconds(30))).isEqualTo("FINISHED");

        String restored = rest.runJar(jarId, FreshRecJobMain.class.getName(), args, 2, savepoint);
        assertThat(restored).isNotEqualTo(jobId);
        rest.awaitRunning(restored, Duration.ofSeconds(60));
        assertThat(awaitList(restored, 1).items).containsExactly(before.items);
        rest.cancel(restored);
        assertThat(rest.awaitTerminal(restored, Duration.ofSeconds(60))).isEqualTo("CANCELED");

        // Bad program arguments: the cluster's answer, summarised to one line naming the problem.
        assertThatThrownBy(
                        () -> rest.runJar(jarId, FreshRecJobMain.class.getName(), List.of("--no-such-option"), 1, null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("--no-such-option")
                .message()
                .doesNotContain("\n");
        // A savepoint that does not exist fails the submission or the start, never silently.
        assertThatThrownBy(() -> rest.awaitRunning(
                        rest.runJar(
                                jarId,
                                FreshRecJobMain.class.getName(),
                                args,
                                1,
                                work.resolve("no-such-savepoint").toUri().toString()),
                        Duration.ofSeconds(60)))
                .isInstanceOf(IOException.class)
                .message()
                .doesNotContain("\n");

        rest.deleteJar(jarId);
        assertThat(rest.get("jars").path("files").findValuesAsText("id")).doesNotContain(jarId);
    }

    @Test
    void shouldReportUnreachableRestAndUnknownJobsOnOneLine() {
        String address = "http://localhost:" + PORTS.port(2);
        FlinkRest nowhere = new FlinkRest(URI.create(address));
        assertThatThrownBy(() -> nowhere.jobStatus(new JobID().toHexString()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("no Flink REST API at " + address + "/");
        assertThatThrownBy(() -> rest().jobStatus(new JobID().toHexString()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("answered 404")
                .message()
                .doesNotContain("\n");
        assertThatThrownBy(() -> rest().uploadJar(work.resolve("absent.jar")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("no jar at ");
    }

    @Test
    void shouldSummariseStackTracesToTheirMessages() {
        String trace = "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n"
                + "\tat org.apache.flink.Foo.bar(Foo.java:1)\n"
                + "Caused by: java.util.concurrent.CompletionException: org.apache.flink.util.FlinkRuntimeException: x\n"
                + "\t... 5 more\n"
                + "Caused by: picocli.CommandLine$UnmatchedArgumentException: Unknown option: '--nope'\n";
        assertThat(FlinkRest.summarise(trace)).isEqualTo("Could not execute application. (Unknown option: '--nope')");
        assertThat(FlinkRest.summarise("java.lang.IllegalStateException")).isEqualTo("IllegalStateException");
    }

    /** The list once the finite input has ended and it stopped changing. */
    private Recommendations awaitStableList(String jobId, long user) throws Exception {
        Recommendations previous = awaitList(jobId, user);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            Thread.sleep(2000);
            Recommendations now = awaitList(jobId, user);
            if (now.updatedAt == previous.updatedAt) {
                return now;
            }
            assertThat(System.nanoTime())
                    .as("user %d's list still changing 2 minutes after its input ended", user)
                    .isLessThan(deadline);
            previous = now;
        }
    }

    private Recommendations awaitList(String jobId, long user) throws Exception {
        try (RecommendationClient lookups = new RecommendationClient(
                "localhost",
                PROXY_PORT,
                URI.create("http://localhost:1"),
                JobID.fromHexString(jobId),
                Duration.ofSeconds(30))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                Optional<Recommendations> recs = lookups.recommendations(user);
                if (recs.isPresent() && recs.get().items.length > 0) {
                    return recs.get();
                }
                assertThat(System.nanoTime()).as("user %d served", user).isLessThan(deadline);
                Thread.sleep(300);
            }
        }
    }
}
