package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.job.FreshRecJob;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 7: a slow consumer of the served lists (8 ms per list) backpressures serving and, through it, the whole
 * job. Backpressure must be visible, checkpoints must keep completing under it, and the result must equal the oracle.
 */
class BackpressureIT {
    private static final int BASE = TestPorts.block().first();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    @Test
    void shouldCompleteCheckpointsAndEndInTheOraclesStateUnderBackpressureFromASlowConsumer(
            @InjectMiniCluster MiniCluster mini) throws Exception {
        Scenario scenario = Scenario.synthetic("backpressure", 27, 3000, 0.01);
        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        // A live stream faster than its consumer: 200 events/s offered, about 125 lists/s taken.
        FreshRecJob.Outputs outputs = scenario.job(200, null, "run").build(env);
        outputs.recommendations.sinkTo(new SlowSink(8)).uid("slow-consumer").name("slow-consumer");
        JobClient job = ReliabilityCluster.execute(env, null);
        FlinkRest rest = ReliabilityCluster.rest(CLUSTER);
        String id = job.getJobID().toHexString();

        // While the slow consumer works through the lists: the highest backpressure of any task, and checkpoints.
        AtomicLong backpressured = new AtomicLong();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                try {
                    backpressured.accumulateAndGet(maxBackpressuredMsPerSecond(rest, id), Math::max);
                    Thread.sleep(300);
                } catch (Exception notYet) {
                    // the job's vertices are not reported yet
                }
            }
        });
        watcher.start();
        rest.awaitRunning(id, Duration.ofSeconds(90));
        long checkpointsBefore = TaskManagerLossIT.completedCheckpoints(mini, job.getJobID());
        SlowSink.awaitDone(scenario.events.size());
        long checkpointsDuring = TaskManagerLossIT.completedCheckpoints(mini, job.getJobID()) - checkpointsBefore;
        watching.set(false);
        watcher.join();
        System.out.printf(
                "[reliability] backpressure: highest %d ms/s of a task; %d checkpoints completed while the slow "
                        + "consumer took the lists; %d failed in all%n",
                backpressured.get(),
                checkpointsDuring,
                mini.getExecutionGraph(job.getJobID())
                        .get()
                        .getCheckpointStatsSnapshot()
                        .getCounts()
                        .getNumberOfFailedCheckpoints());

        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, job, scenario, savepoints);
        outcome.record("7 backpressure from a slow serving consumer", scenario, null);
        assertThat(backpressured.get())
                .as("highest backpressured time of a task (ms/s)")
                .isGreaterThan(200);
        assertThat(checkpointsDuring)
                .as("checkpoints completed under backpressure")
                .isGreaterThanOrEqualTo(2);
        assertThat(outcome.restarts()).as("restarts").isZero();
    }

    private static long maxBackpressuredMsPerSecond(FlinkRest rest, String job) throws Exception {
        long max = 0;
        for (JsonNode vertex : rest.get("jobs/" + job).path("vertices")) {
            for (JsonNode metric : rest.get("jobs/" + job + "/vertices/"
                    + vertex.path("id").asText() + "/subtasks/metrics?get=backPressuredTimeMsPerSecond&agg=max")) {
                max = Math.max(max, (long) metric.path("max").asDouble());
            }
        }
        return max;
    }

    /** Takes {@code delayMs} per list: a serving consumer that cannot keep up. */
    static final class SlowSink implements Sink<Recommendations> {
        private static final long serialVersionUID = 1L;
        private static final AtomicLong TAKEN = new AtomicLong();
        private final long delayMs;

        SlowSink(long delayMs) {
            this.delayMs = delayMs;
            TAKEN.set(0);
        }

        /** Waits until the consumer has taken {@code lists} lists. */
        static void awaitDone(long lists) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (TAKEN.get() < lists) {
                assertThat(System.nanoTime())
                        .as("slow consumer took %d lists in time (has %d)", lists, TAKEN.get())
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
        }

        @Override
        @Deprecated
        public SinkWriter<Recommendations> createWriter(InitContext context) {
            return writer();
        }

        @Override
        public SinkWriter<Recommendations> createWriter(WriterInitContext context) {
            return writer();
        }

        private SinkWriter<Recommendations> writer() {
            return new SinkWriter<>() {
                @Override
                public void write(Recommendations element, Context context) throws InterruptedException {
                    Thread.sleep(delayMs);
                    TAKEN.incrementAndGet();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
