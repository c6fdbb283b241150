package io.freshrec.versions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.events.DeadLetter;
import io.freshrec.job.FreshRecJob;
import io.freshrec.rest.FlinkRest;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.TestPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic versions against a real job on a MiniCluster: a version when one is due and not before, none for a job
 * that learnt nothing since the last one, retention of the newest, and a failure reported rather than thrown.
 */
class AutoVersionsTest {
    /** Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(0);
    private static final int EVENTS = 300;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extension(PROXY_PORT, PORTS.port(1));

    @TempDir
    Path work;

    private final StringWriter printed = new StringWriter();
    private final PrintWriter out = new PrintWriter(printed);

    private static FlinkRest rest() {
        return FreshRecCluster.rest(CLUSTER);
    }

    @AfterEach
    void cancelLeftovers() throws Exception {
        FreshRecCluster.cancelActiveJobs(CLUSTER);
    }

    /** A job that reads a finite stream and stays running, idle, once it has read it all. */
    private String startIdleJob(Versioning versioning) throws Exception {
        SyntheticInteractions world = new SyntheticInteractions(3, 20, 40, 4, 1_704_067_200_000L, 20, 20_000, 20, 0.0);
        FreshRecJob job = new FreshRecJob(
                new Configuration(),
                InteractionSource.generator(world, EVENTS, 0, false, true),
                new CollectingSink<DeadLetter>("auto-versions-dead-letters"),
                null);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        job.build(env);
        String jobId = env.executeAsync(FreshRecJob.JOB_NAME).getJobID().toHexString();
        rest().awaitRunning(jobId, Duration.ofSeconds(60));
        // The events counter (what "learnt nothing since" compares) reaches the whole stream.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Long events = versioning.describe(jobId, VersionRecord.AUTO, null, null).events;
            if (events != null && events == EVENTS) {
                return jobId;
            }
            assertThat(System.nanoTime()).as("events read: %s", events).isLessThan(deadline);
            Thread.sleep(300);
        }
    }

    private Versioning versioning(VersionRegistry registry) {
        return new Versioning(
                rest(), registry, work.resolve("savepoints").toUri().toString(), "CANONICAL", Duration.ofSeconds(60));
    }

    private static List<VersionRecord> autos(VersionRegistry registry) {
        return registry.read().versions.stream()
                .filter(v -> VersionRecord.AUTO.equals(v.kind))
                .toList();
    }

    @Test
    void shouldVersionWhenDueAndNotAgainWhileTheJobLearnsNothing() throws Exception {
        VersionRegistry registry = new VersionRegistry(work.resolve("versions"));
        Versioning versioning = versioning(registry);
        String jobId = startIdleJob(versioning);

        // Not due yet: nothing is taken.
        assertThat(new AutoVersions(versioning, Duration.ofHours(1), 5).maybeTake(jobId, out))
                .isNull();
        assertThat(autos(registry)).isEmpty();

        AutoVersions auto = new AutoVersions(versioning, Duration.ofMillis(1), 5);
        Thread.sleep(5);
        VersionRecord first = auto.maybeTake(jobId, out);

        assertThat(first).isNotNull();
        assertThat(first.events).isEqualTo(EVENTS);
        assertThat(first.note).isEqualTo("every 1 ms");
        assertThat(Path.of(URI.create(first.savepoint)).resolve("_metadata")).isRegularFile();
        assertThat(autos(registry)).extracting(v -> v.id).containsExactly(first.id);
        assertThat(printed.toString()).contains("Version " + first.id + " (automatic)", "300 events");

        // Due again, but the idle job has read nothing since: no second version of the same model.
        Thread.sleep(5);
        assertThat(auto.maybeTake(jobId, out)).isNull();
        assertThat(autos(registry)).hasSize(1);
    }

    @Test
    void shouldKeepOnlyTheNewestAutomaticVersionsAndDeleteTheOthersSavepoints() throws Exception {
        VersionRegistry registry = new VersionRegistry(work.resolve("versions"));
        Versioning versioning = versioning(registry);
        String jobId = startIdleJob(versioning);

        // A fresh instance each time (as after a restart of `run`): each takes a version, retention keeps two.
        VersionRecord[] taken = new VersionRecord[3];
        for (int i = 0; i < 3; i++) {
            AutoVersions auto = new AutoVersions(versioning, Duration.ofMillis(1), 2, "nightly");
            Thread.sleep(5);
            taken[i] = auto.maybeTake(jobId, out);
            assertThat(taken[i]).as("version %d", i).isNotNull();
        }

        assertThat(autos(registry)).extracting(v -> v.id).containsExactly(taken[1].id, taken[2].id);
        assertThat(autos(registry)).extracting(v -> v.note).containsOnly("nightly");
        assertThat(Path.of(URI.create(taken[0].savepoint))).doesNotExist();
        assertThat(Path.of(URI.create(taken[2].savepoint)).resolve("_metadata")).isRegularFile();
        assertThat(printed.toString()).contains("removed " + taken[0].id + " (freshrec.versions.retain 2)");
    }

    @Test
    void shouldReportAFailedVersionAndCarryOn() throws Exception {
        VersionRegistry registry = new VersionRegistry(work.resolve("versions"));
        AutoVersions auto = new AutoVersions(versioning(registry), Duration.ofMillis(1), 2);
        Thread.sleep(5);

        assertThat(auto.maybeTake("00000000000000000000000000000000", out)).isNull();

        assertThat(printed.toString()).startsWith("(automatic version skipped: ");
        assertThat(autos(registry)).isEmpty();
        assertThat(Files.exists(work.resolve("savepoints"))).isFalse();
    }

    @Test
    void shouldRefuseAnIntervalThatIsNotPositive() {
        VersionRegistry registry = new VersionRegistry(work.resolve("versions"));
        assertThatThrownBy(() -> new AutoVersions(versioning(registry), Duration.ZERO, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the interval of automatic versions must be positive");
    }
}
