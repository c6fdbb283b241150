package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecState;
import io.freshrec.model.Recommendations;
import io.freshrec.testing.FailOnceAfterCheckpoint;
import io.freshrec.testing.PacedTestSource;
import io.freshrec.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Fault 1: an exception thrown mid-stream after a completed checkpoint; the job restarts from that checkpoint. */
class ExceptionAfterCheckpointIT {
    private static final int BASE = TestPorts.block().first();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    @Test
    void shouldApplyEveryEventOnceAcrossAnExceptionAfterACompletedCheckpoint(@InjectMiniCluster MiniCluster mini)
            throws Exception {
        Scenario scenario = Scenario.synthetic("exception-after-checkpoint", 21, 2000, 0.01);
        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        // The source stops halfway until a checkpoint has completed; the failure comes 200 lists later.
        PacedTestSource.Hold hold = new PacedTestSource.Hold(scenario.name, 1000);
        FreshRecJob.Outputs outputs = scenario.job(250, hold, "run").build(env);
        outputs.recommendations
                .map(new FailOnceAfterCheckpoint<Recommendations>(scenario.name, 200))
                .returns(FreshRecState.RECOMMENDATIONS)
                .uid("fail-once")
                .name("fail-once")
                .sinkTo(new DiscardingSink<>())
                .uid("fail-once-sink")
                .name("fail-once-sink");
        JobClient job = env.executeAsync(FreshRecJob.JOB_NAME);
        PacedTestSource.Hold.awaitReached(hold.name(), Duration.ofSeconds(90));
        TaskManagerLossIT.awaitCompletedCheckpoints(
                mini, job.getJobID(), TaskManagerLossIT.completedCheckpoints(mini, job.getJobID()) + 1);
        PacedTestSource.Hold.release(hold.name());
        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, job, scenario, savepoints);
        outcome.record("1 exception after a completed checkpoint", scenario, null);
        assertThat(FailOnceAfterCheckpoint.failed(scenario.name))
                .as("the failure was thrown")
                .isTrue();
        assertThat(outcome.restarts()).as("restarts").isEqualTo(1);
    }
}
