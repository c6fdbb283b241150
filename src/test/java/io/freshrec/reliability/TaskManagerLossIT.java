package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.job.FreshRecJob;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.FlinkTestLog;
import io.freshrec.testing.PacedTestSource;
import io.freshrec.testing.TestPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 2, and serving during a failure: the only TaskManager is killed mid-stream while a client looks users up in
 * a loop, and a new one is started. The job restarts from its last completed checkpoint and ends in the oracle's
 * state; lookups fail only between the kill and their recovery, answer again within 10 s of the new TaskManager,
 * and never answer with state older than the last checkpoint completed before the kill.
 */
class TaskManagerLossIT {
    private static final int BASE = TestPorts.block().first();
    private static final List<Long> WATCHED = List.of(1L, 2L, 3L, 4L, 5L);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    @Test
    void shouldRecoverTheModelAndServingWhenTheTaskManagerIsKilled(@InjectMiniCluster MiniCluster mini)
            throws Exception {
        Scenario scenario = Scenario.synthetic("taskmanager-killed", 22, 3000, 0.01);
        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        // The source stops after 1,000 of 3,000 records until the test lets it go on: the kill lands mid-stream.
        PacedTestSource.Hold hold = new PacedTestSource.Hold(scenario.name, 1000);
        scenario.job(200, hold, "run").build(env);
        JobClient job = env.executeAsync(FreshRecJob.JOB_NAME);
        JobID jobId = job.getJobID();

        long killedAt;
        long newTaskManagerAt;
        long checkpointAt;
        double seconds;
        List<LookupLoop.Lookup> seen;
        try (RecommendationClient waiting = ReliabilityCluster.lookups(BASE, jobId, Duration.ofSeconds(60));
                RecommendationClient serving = ReliabilityCluster.lookups(BASE, jobId, Duration.ofSeconds(2))) {
            PacedTestSource.Hold.awaitReached(hold.name(), Duration.ofSeconds(90));
            for (long user : WATCHED) {
                awaitList(waiting, user);
            }
            try (LookupLoop loop = new LookupLoop(serving, WATCHED, 20)) {
                // Answers from before a completed checkpoint, then records flowing again, then the kill.
                awaitAnswers(loop, 0, Duration.ofSeconds(30));
                long answered = System.currentTimeMillis();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (latestCheckpointTriggered(mini, jobId) <= answered) {
                    assertThat(System.nanoTime())
                            .as("a checkpoint after the first answers")
                            .isLessThan(deadline);
                    Thread.sleep(100);
                }
                PacedTestSource.Hold.release(hold.name());
                Thread.sleep(1000);
                killedAt = System.currentTimeMillis();
                mini.terminateTaskManager(0).get(60, TimeUnit.SECONDS);
                // The state a restore starts from: the last checkpoint completed before the kill.
                checkpointAt = latestCheckpointTriggered(mini, jobId);
                newTaskManagerAt = startTaskManagerWithProxy(mini, BASE);
                awaitAnswers(loop, newTaskManagerAt, Duration.ofSeconds(30));
                Thread.sleep(3000);
                seen = loop.lookups();
            }

            // Errors only inside the restart window, answers again within 10 s of the new TaskManager.
            // (A lookup may still be answered by the dying TaskManager just after the kill; from the new TaskManager's
            // start on, every answer comes from the restored job.)
            long killed = killedAt;
            long started = newTaskManagerAt;
            long backAt = seen.stream()
                    .filter(l -> l.started() > started && l.answered())
                    .mapToLong(LookupLoop.Lookup::at)
                    .min()
                    .orElse(Long.MAX_VALUE);
            seconds = (backAt - newTaskManagerAt) / 1000.0;
            List<LookupLoop.Lookup> errors =
                    seen.stream().filter(l -> !l.answered()).toList();
            long errorsBefore = errors.stream().filter(l -> l.at() < killed).count();
            long errorsAfter = errors.stream().filter(l -> l.started() > backAt).count();
            System.out.printf(
                    "[reliability] lookups: %d, errors %d (before the kill %d, after recovery %d); answered again "
                            + "%.1f s after the new TaskManager (%.1f s after the kill); last checkpoint triggered %d ms before the kill%n",
                    seen.size(),
                    errors.size(),
                    errorsBefore,
                    errorsAfter,
                    seconds,
                    (backAt - killedAt) / 1000.0,
                    killedAt - checkpointAt);
            errors.stream()
                    .limit(5)
                    .forEach(l -> System.out.printf(
                            "[reliability]   error %+d ms from the kill: %s%n", l.at() - killed, l.error()));
            assertThat(errorsBefore).as("lookup errors before the kill").isZero();
            assertThat(errorsAfter)
                    .as("lookup errors after lookups answered again")
                    .isZero();

            // Never older than the last completed checkpoint: every answer after the kill is at least as new as every
            // answer the client had before that checkpoint was taken.
            Map<Long, long[]> floor = new HashMap<>();
            for (LookupLoop.Lookup lookup : seen) {
                if (lookup.answered() && lookup.present() && lookup.at() <= checkpointAt) {
                    floor.merge(lookup.user(), new long[] {lookup.eventTime(), lookup.modelVersion()}, (a, b) ->
                            new long[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])});
                }
            }
            assertThat(floor).as("answers before the checkpoint").isNotEmpty();
            for (LookupLoop.Lookup lookup : seen) {
                long[] least = floor.get(lookup.user());
                if (lookup.answered() && lookup.at() > killedAt && least != null) {
                    assertThat(lookup.present())
                            .as("user %d answered after the kill", lookup.user())
                            .isTrue();
                    assertThat(lookup.eventTime())
                            .as("event time of user %d after the kill", lookup.user())
                            .isGreaterThanOrEqualTo(least[0]);
                    assertThat(lookup.modelVersion())
                            .as("model version of user %d after the kill", lookup.user())
                            .isGreaterThanOrEqualTo(least[1]);
                }
            }
        }
        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, job, scenario, savepoints);
        outcome.record("2 TaskManager killed, new one started", scenario, seconds);
        assertThat(outcome.restarts()).as("restarts").isGreaterThanOrEqualTo(1);
        // The seconds from the new TaskManager to the first answer are a figure (the summary table reports them),
        // not a contract: the contract is that lookups answer again at all, within awaitAnswers' deadline above.
    }

    /**
     * Starts a new TaskManager in this JVM (proxy and state server on {@code base} + 1 and + 2, as ReliabilityCluster
     * configures them) once the dead one's fixed ports are free, and returns when its
     * queryable-state proxy listens (the time it was started). The dead TaskManager's proxy and server release their
     * ports a moment after it is gone (Netty's graceful shutdown), and a TaskManager whose proxy cannot bind starts
     * without one (Flink logs "Failed to start the Queryable State Client Proxy" and goes on), so a lookup failure after
     * this point is the job's or the client's, not the test's set-up. (A killed TaskManager process frees its ports at
     * once: StandaloneClusterE2ETest, TaskManagerKillIT.)
     */
    static long startTaskManagerWithProxy(MiniCluster mini, int base) throws Exception {
        awaitPortFree(base + 1);
        awaitPortFree(base + 2);
        long startedAt = System.currentTimeMillis();
        mini.startTaskManager();
        assertThat(listensWithin(base + 1, Duration.ofSeconds(15)))
                .as(
                        "the new TaskManager's queryable-state proxy listens on %d; Flink logged: %s",
                        base + 1, FlinkTestLog.linesContaining("Queryable State", 5))
                .isTrue();
        return startedAt;
    }

    private static boolean listensWithin(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        return false;
    }

    private static void awaitPortFree(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(port));
                return;
            } catch (IOException inUse) {
                assertThat(System.nanoTime())
                        .as("port %d released in time", port)
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    /** When the latest completed checkpoint of the job was triggered (ms), or Long.MIN_VALUE. */
    private static long latestCheckpointTriggered(MiniCluster mini, JobID job) throws Exception {
        CompletedCheckpointStats last = mini.getExecutionGraph(job)
                .get()
                .getCheckpointStatsSnapshot()
                .getHistory()
                .getLatestCompletedCheckpoint();
        return last == null ? Long.MIN_VALUE : last.getTriggerTimestamp();
    }

    static long completedCheckpoints(MiniCluster mini, JobID job) throws Exception {
        return mini.getExecutionGraph(job)
                .get()
                .getCheckpointStatsSnapshot()
                .getCounts()
                .getNumberOfCompletedCheckpoints();
    }

    private static void awaitList(RecommendationClient lookups, long user) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (lookups.recommendations(user).isEmpty()) {
            assertThat(System.nanoTime()).as("user %d served in time", user).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    static void awaitCompletedCheckpoints(MiniCluster mini, JobID job, long count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (completedCheckpoints(mini, job) < count) {
            assertThat(System.nanoTime())
                    .as("%d checkpoints completed in time", count)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Waits until, after {@code since}, every watched user has been answered. */
    private static void awaitAnswers(LookupLoop loop, long since, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<Long> answered = new HashSet<>();
            loop.lookups().stream().filter(l -> l.at() > since && l.answered()).forEach(l -> answered.add(l.user()));
            if (answered.containsAll(WATCHED)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                List<LookupLoop.Lookup> all = loop.lookups();
                throw new AssertionError("lookups did not answer again within " + timeout + "; last: "
                        + all.subList(Math.max(0, all.size() - 3), all.size()));
            }
            Thread.sleep(100);
        }
    }
}
