package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecState;
import io.freshrec.job.MetricNames;
import io.freshrec.model.ItemState;
import io.freshrec.model.Recommendations;
import io.freshrec.model.UserHistory;
import io.freshrec.offline.SavepointModel;
import io.freshrec.rest.FlinkRest;
import io.freshrec.testing.FailOnceWhenArmed;
import io.freshrec.testing.PacedTestSource;
import io.freshrec.testing.TestPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure while user-history and item-model hold records in their in-memory bundles: the source stops mid-stream
 * (the watermark stays behind its last events, so both bundles hold records) until a checkpoint has completed, which
 * moves the bundles to pending state; then the input goes on, the job fails once with the bundles full again and
 * restarts from the last completed checkpoint. It must end with the model of {@link
 * io.freshrec.testing.ReferenceModel} (every list, every item's state, every user's history, each event applied
 * once) and exactly, field for field, with the model of the same input run without a failure.
 */
class FailureMidBundleTest {
    private static final int BASE = TestPorts.block().first();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    @Test
    void shouldEndWithExactlyTheModelOfARunWithoutFailureAfterAFailureMidBundle(@InjectMiniCluster MiniCluster mini)
            throws Exception {
        Scenario clean = Scenario.synthetic("mid-bundle-clean", 33, 1600, 0.0);
        String withoutFailure = runAndVerify(clean, null, mini).savepoint();

        Scenario failing = Scenario.synthetic("mid-bundle-failure", 33, 1600, 0.0);
        PacedTestSource.Hold hold = new PacedTestSource.Hold(failing.name, 800);
        ExactlyOnce.Outcome outcome = runAndVerify(failing, hold, mini);
        assertThat(FailOnceWhenArmed.failed(failing.name))
                .as("the failure was thrown")
                .isTrue();
        assertThat(outcome.restarts()).as("restarts").isEqualTo(1);

        Model expected = Model.read(withoutFailure, clean);
        Model actual = Model.read(outcome.savepoint(), failing);
        assertThat(actual.users).hasSameSizeAs(clean.users());
        assertThat(actual.users.keySet()).isEqualTo(expected.users.keySet());
        // Exactly: doubles compared with equals, every field.
        actual.users.forEach((user, history) -> assertThat(history)
                .as("history of user %d", user)
                .usingRecursiveComparison()
                .isEqualTo(expected.users.get(user)));
        assertThat(actual.items.keySet()).isEqualTo(expected.items.keySet());
        actual.items.forEach((item, state) -> assertThat(state)
                .as("state of item %d", item)
                .usingRecursiveComparison()
                .isEqualTo(expected.items.get(item)));
        assertThat(actual.cooccurrences).isEqualTo(expected.cooccurrences);
    }

    /** Runs the scenario (with the hold and one failure if {@code hold} is set) and checks it against the oracle. */
    private ExactlyOnce.Outcome runAndVerify(Scenario scenario, PacedTestSource.Hold hold, MiniCluster mini)
            throws Exception {
        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        // Checkpoints far enough apart that the failure, soon after the release, restores the checkpoint taken
        // during the hold.
        env.enableCheckpointing(4000);
        FreshRecJob.Outputs outputs = scenario.job(300, hold, "run").build(env);
        if (hold != null) {
            outputs.recommendations
                    .map(new FailOnceWhenArmed<Recommendations>(
                            scenario.name, 20, list -> true, "while the bundles hold records"))
                    .returns(FreshRecState.RECOMMENDATIONS)
                    .uid("fail-once")
                    .name("fail-once")
                    .sinkTo(new DiscardingSink<>())
                    .uid("fail-once-sink")
                    .name("fail-once-sink");
        }
        JobClient job = env.executeAsync(FreshRecJob.JOB_NAME);
        if (hold != null) {
            PacedTestSource.Hold.awaitReached(hold.name(), Duration.ofSeconds(90));
            // While held, the watermark stays out-of-orderness behind the last event: the bundles hold records, and
            // the next checkpoint moves them to pending state.
            TaskManagerLossIT.awaitCompletedCheckpoints(
                    mini, job.getJobID(), TaskManagerLossIT.completedCheckpoints(mini, job.getJobID()) + 1);
            awaitSpilled(job);
            long heldCheckpoint = checkpoints(mini, job)
                    .getHistory()
                    .getLatestCompletedCheckpoint()
                    .getCheckpointId();
            PacedTestSource.Hold.release(hold.name());
            FailOnceWhenArmed.arm(scenario.name);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (checkpoints(mini, job).getLatestRestoredCheckpoint() == null) {
                assertThat(System.nanoTime()).as("restored in time").isLessThan(deadline);
                Thread.sleep(100);
            }
            // The checkpoint taken while held, unless the next one (4 s later) completed before the failure: either
            // was taken with records in the bundles.
            assertThat(checkpoints(mini, job).getLatestRestoredCheckpoint().getCheckpointId())
                    .as("the checkpoint the job restarted from")
                    .isGreaterThanOrEqualTo(heldCheckpoint);
        }
        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, job, scenario, savepoints);
        assertThat(outcome.applied())
                .as("events applied by the users' histories")
                .isEqualTo(new ExactlyOnce.Applied(scenario.events.size(), 0, 0));
        return outcome;
    }

    private static CheckpointStatsSnapshot checkpoints(MiniCluster mini, JobClient job) throws Exception {
        return mini.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot();
    }

    /** Waits until both operators report records moved from their bundles to state (at the checkpoint). */
    private static void awaitSpilled(JobClient job) throws Exception {
        List<String> names = List.of(
                MetricNames.qualified(FreshRecState.Uid.USER_HISTORY, MetricNames.SPILLED_RECORDS),
                MetricNames.qualified(FreshRecState.Uid.ITEM_MODEL, MetricNames.SPILLED_RECORDS));
        FlinkRest rest = ReliabilityCluster.rest(CLUSTER);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Map<String, FlinkRest.Aggregate> spilled =
                    rest.metrics(job.getJobID().toHexString(), names);
            if (spilled.size() == names.size() && spilled.values().stream().allMatch(aggregate -> aggregate.sum > 0)) {
                return;
            }
            assertThat(System.nanoTime())
                    .as("records moved from the bundles to state at a checkpoint: %s", spilled.keySet())
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Every user's history and every item's state and co-occurrence count in a savepoint. */
    private record Model(Map<Long, UserHistory> users, Map<Long, ItemState> items, Map<Long, Long> cooccurrences) {
        static Model read(String savepoint, Scenario scenario) throws Exception {
            Model model = new Model(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
            SavepointModel.open(savepoint, scenario.settings, new PrintWriter(new StringWriter()))
                    .read(EnumSet.of(SavepointModel.Part.USERS, SavepointModel.Part.ITEMS), record -> {
                        if (record.user != null && record.user.history != null) {
                            model.users.put(record.user.user, record.user.history);
                        }
                        if (record.item != null && record.item.state != null) {
                            model.items.put(record.item.item, record.item.state);
                            model.cooccurrences.put(record.item.item, record.item.cooccurrences);
                        }
                    });
            return model;
        }
    }
}
