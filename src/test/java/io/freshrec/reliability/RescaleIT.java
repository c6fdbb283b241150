package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.testing.PacedTestSource;
import io.freshrec.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 4: stop-with-savepoint mid-stream at parallelism 2, restore at parallelism 1, stop-with-savepoint
 * mid-stream again, restore at parallelism 2; the last job ends in the oracle's state.
 */
class RescaleIT {
    private static final int BASE = TestPorts.block().first();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    @Test
    void shouldEndInTheOraclesStateAfterStopWithSavepointAndRestoresAtParallelism2Then1Then2() throws Exception {
        Scenario scenario = Scenario.synthetic("rescale-2-1-2", 24, 2400, 0.01);
        String first = stopMidStream(scenario, 2, null, new PacedTestSource.Hold(scenario.name + "-p2", 700));
        String second = stopMidStream(scenario, 1, first, new PacedTestSource.Hold(scenario.name + "-p1", 700));
        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        scenario.job(300, null, "p2-again").build(env);
        JobClient last = ReliabilityCluster.execute(env, second);
        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, last, scenario, savepoints);
        outcome.record("4 stop-with-savepoint, restore at parallelism 2, 1, 2", scenario, null);
        assertThat(outcome.restarts()).as("restarts of the last job").isZero();
    }

    /**
     * Runs the job at {@code parallelism} (from {@code savepoint} if not null) until its source has read {@code hold}'s
     * records, lets it read on for half a second and stops it with a savepoint; returns the savepoint.
     */
    private String stopMidStream(Scenario scenario, int parallelism, String savepoint, PacedTestSource.Hold hold)
            throws Exception {
        StreamExecutionEnvironment env = ReliabilityCluster.environment(parallelism);
        scenario.job(300, hold, "p" + parallelism + (savepoint == null ? "" : "-restored"))
                .build(env);
        JobClient job = ReliabilityCluster.execute(env, savepoint);
        PacedTestSource.Hold.awaitReached(hold.name(), Duration.ofSeconds(90));
        // A savepoint needs every task running (a restored one may still be restoring while its source reads).
        ReliabilityCluster.rest(CLUSTER).awaitRunning(job.getJobID().toHexString(), Duration.ofSeconds(90));
        PacedTestSource.Hold.release(hold.name());
        Thread.sleep(500);
        String taken = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        System.out.println("[reliability] parallelism " + parallelism + " stopped with savepoint " + taken);
        return taken;
    }
}
