package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.testing.PacedTestSource;
import io.freshrec.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Fault 3: the job cancelled mid-stream, and a new job resumed from its last retained checkpoint. */
class RetainedCheckpointIT {
    private static final int BASE = TestPorts.block().first();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path checkpoints;

    @TempDir
    Path savepoints;

    @Test
    void shouldResumeFromTheRetainedCheckpointOfACancelledJob(@InjectMiniCluster MiniCluster mini) throws Exception {
        Scenario scenario = Scenario.synthetic("cancel-resume-checkpoint", 23, 2000, 0.01);
        PacedTestSource.Hold hold = new PacedTestSource.Hold(scenario.name, 800);
        StreamExecutionEnvironment env = retaining(ReliabilityCluster.environment(2));
        scenario.job(250, hold, "first").build(env);
        JobClient first = ReliabilityCluster.execute(env, null);

        PacedTestSource.Hold.awaitReached(hold.name(), Duration.ofSeconds(90));
        TaskManagerLossIT.awaitCompletedCheckpoints(
                mini, first.getJobID(), TaskManagerLossIT.completedCheckpoints(mini, first.getJobID()) + 1);
        PacedTestSource.Hold.release(hold.name());
        Thread.sleep(1000);
        first.cancel().get(60, TimeUnit.SECONDS);
        assertThat(ReliabilityCluster.rest(CLUSTER)
                        .awaitTerminal(first.getJobID().toHexString(), Duration.ofSeconds(60)))
                .isEqualTo(JobStatus.CANCELED.name());
        CompletedCheckpointStats retained = mini.getArchivedExecutionGraph(first.getJobID())
                .get(60, TimeUnit.SECONDS)
                .getCheckpointStatsSnapshot()
                .getHistory()
                .getLatestCompletedCheckpoint();
        assertThat(retained).as("a completed checkpoint of the cancelled job").isNotNull();
        System.out.println("[reliability] resuming from " + retained.getExternalPath());

        StreamExecutionEnvironment resumedEnv = retaining(ReliabilityCluster.environment(2));
        scenario.job(250, null, "resumed").build(resumedEnv);
        JobClient resumed = ReliabilityCluster.execute(resumedEnv, retained.getExternalPath());
        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, resumed, scenario, savepoints);
        outcome.record("3 cancelled, resumed from the retained checkpoint", scenario, null);
        assertThat(outcome.restarts()).as("restarts of the resumed job").isZero();
    }

    private StreamExecutionEnvironment retaining(StreamExecutionEnvironment env) {
        Configuration retain = new Configuration();
        retain.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        retain.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        env.configure(retain);
        return env;
    }
}
