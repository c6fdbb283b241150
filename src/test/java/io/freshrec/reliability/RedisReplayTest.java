package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.bench.RedisServer;
import io.freshrec.events.Interaction;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.job.FreshRecState;
import io.freshrec.model.Recommendations;
import io.freshrec.redis.RecommendationJson;
import io.freshrec.redis.RedisLayout;
import io.freshrec.redis.RedisOptions;
import io.freshrec.redis.RedisRecommendations;
import io.freshrec.redis.RedisSink;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.FailOnceWhenArmed;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.OracleInput;
import io.freshrec.testing.PacedTestSource;
import io.freshrec.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/**
 * The job (parallelism 2, RocksDB, serving refreshing active users every 500 ms) with the Redis sink wired as the
 * commands wire it, writing to a real redis-server, fails once after a checkpoint: the source stops halfway until a
 * checkpoint has completed, then reads on, and once Redis holds lists of events after the hold the job fails (a task
 * throws, or the TaskManager with every task, its state and its proxy is terminated and a new one started) and
 * restarts from that checkpoint 3 s later. While it is down, Redis holds lists the failed run wrote after the
 * checkpoint; the restarted run computes them again. At the end every user's list in Redis equals, field for field,
 * the one queryable state serves, for as many users; and the failed run's lists, written again now as a late write
 * would be, are refused.
 */
class RedisReplayTest {
    private static final int BASE = TestPorts.block().first();
    private static final int HALFWAY = 1000;
    /** How the run fails: an exception in a task (the job restarts), or the TaskManager lost and a new one started. */
    enum Failure {
        TASK_EXCEPTION,
        TASKMANAGER_LOST
    }

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    static Path work;

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start(BASE + 3, work.resolve("redis"));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    /** One list as Redis stores it. */
    private record Stored(long user, long epoch, long seq, String json) {
        Recommendations list() {
            return RecommendationJson.read(json);
        }
    }

    @ParameterizedTest
    @EnumSource(Failure.class)
    void shouldEndWithQueryableStatesListInRedisForEveryUserAfterAFailureThatReplaysLists(
            Failure failure, @InjectMiniCluster MiniCluster mini) throws Exception {
        // Keys and names of their own per failure: both runs share the class's redis-server and MiniCluster.
        String prefix = "replay-" + failure.name().toLowerCase(java.util.Locale.ROOT) + ":";
        Configuration settings = Scenario.settings();
        // Serving as it runs live: no waiting for the model, and refreshes of active users (timers in the checkpoint).
        settings.set(FreshRecOptions.ALIGN_TO_MODEL, false);
        settings.set(FreshRecOptions.REFRESH_INTERVAL, Duration.ofMillis(500));
        settings.set(RedisOptions.URL, redis.url());
        settings.set(RedisOptions.KEY_PREFIX, prefix);
        Scenario scenario = new Scenario(
                "redis-replay-" + failure.name().toLowerCase(java.util.Locale.ROOT),
                Scenario.syntheticRecords(47, 2000, 0.0, Scenario.START),
                settings);
        long beforeHold = lastEventTimeBefore(scenario, HALFWAY);

        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        // Far enough apart that the failure restores the checkpoint taken while the source was held; a restart
        // delay long enough to look at Redis while no run writes to it.
        env.enableCheckpointing(10_000);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 60);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(3));
        env.configure(restarts);
        PacedTestSource.Hold hold = new PacedTestSource.Hold(scenario.name, HALFWAY);
        FreshRecJob.Outputs outputs = scenario.job(250, hold, "run").build(env);
        RedisSink.attach(outputs.recommendations, settings);
        outputs.recommendations
                .map(new FailOnceWhenArmed<Recommendations>(
                        scenario.name,
                        0,
                        list -> list.eventTime > beforeHold,
                        "after a checkpoint, lists written since"))
                .returns(FreshRecState.RECOMMENDATIONS)
                .uid("fail-once")
                .name("fail-once")
                .sinkTo(new DiscardingSink<>())
                .uid("fail-once-sink")
                .name("fail-once-sink");

        JobClient job = env.executeAsync(FreshRecJob.JOB_NAME);
        try {
            PacedTestSource.Hold.awaitReached(hold.name(), Duration.ofSeconds(90));
            TaskManagerLossIT.awaitCompletedCheckpoints(
                    mini, job.getJobID(), TaskManagerLossIT.completedCheckpoints(mini, job.getJobID()) + 1);
            long heldCheckpoint = checkpoints(mini, job)
                    .getHistory()
                    .getLatestCompletedCheckpoint()
                    .getCheckpointId();
            PacedTestSource.Hold.release(hold.name());
            // Fail once Redis holds lists of events after the hold, which the checkpoint does not cover.
            awaitListsAfter(prefix, beforeHold, 5, Duration.ofSeconds(60));
            if (failure == Failure.TASK_EXCEPTION) {
                FailOnceWhenArmed.arm(scenario.name);
                FailOnceWhenArmed.awaitFailure(scenario.name, Duration.ofSeconds(60));
            } else {
                // The TaskManager (every task of the job, its state and its queryable-state proxy) is gone.
                mini.terminateTaskManager(0).get(60, TimeUnit.SECONDS);
            }
            // Down for 3 s: what Redis holds now is what the failed run wrote, after the checkpoint too.
            long failedRunEpoch;
            List<Stored> failedRun;
            try (Jedis jedis = redis.client()) {
                failedRun = stored(jedis, prefix);
                failedRunEpoch = Long.parseLong(jedis.get(new RedisLayout(prefix).epochKey()));
            }
            List<Stored> afterCheckpoint = failedRun.stream()
                    .filter(entry -> entry.list().eventTime > beforeHold)
                    .toList();
            assertThat(afterCheckpoint)
                    .as("lists the failed run wrote after the checkpoint (events after the hold)")
                    .isNotEmpty();

            if (failure == Failure.TASKMANAGER_LOST) {
                TaskManagerLossIT.startTaskManagerWithProxy(mini, BASE);
            }
            FlinkRest rest = ReliabilityCluster.rest(CLUSTER);
            String jobId = job.getJobID().toHexString();
            ExactlyOnce.awaitTotals(rest, jobId, scenario, Duration.ofSeconds(90));
            assertThat(checkpoints(mini, job).getLatestRestoredCheckpoint().getCheckpointId())
                    .as("the checkpoint the job restarted from: the one taken during the hold")
                    .isEqualTo(heldCheckpoint);
            Map<Long, String> served;
            try (RecommendationClient lookups =
                            ReliabilityCluster.lookups(BASE, job.getJobID(), Duration.ofSeconds(30));
                    RedisRecommendations reader = RedisRecommendations.open(redis.url(), prefix)) {
                served = awaitRedisEqualsQueryableState(lookups, reader, scenario, Duration.ofSeconds(60));

                try (Jedis jedis = redis.client()) {
                    List<Stored> now = stored(jedis, prefix);
                    assertThat(now).as("users in Redis").hasSize(served.size());
                    assertThat(served)
                            .as("users served")
                            .hasSize(scenario.users().size());
                    assertThat(now.stream()
                                    .filter(entry ->
                                            entry.epoch() <= failedRunEpoch && entry.list().eventTime > beforeHold))
                            .as("lists of the failed run from after the checkpoint still in Redis")
                            .isEmpty();
                    // The failed run's lists arriving late (a delayed retry, a task still running): all refused.
                    RedisLayout layout = new RedisLayout(prefix);
                    for (Stored late : failedRun) {
                        Object reply = jedis.eval(
                                RedisLayout.WRITE_SCRIPT,
                                List.of(layout.listKey(late.user()), layout.epochKey()),
                                List.of(Long.toString(late.epoch()), Long.toString(late.seq()), late.json(), "0"));
                        if (!late.json().equals(served.get(late.user()))) {
                            assertThat(reply)
                                    .as("late write of user %d", late.user())
                                    .isEqualTo(0L);
                        }
                    }
                }
                assertThat(readAll(reader, scenario))
                        .as("Redis after the late writes")
                        .isEqualTo(served);
            }
            // A task failure restarts once; without a TaskManager, attempts fail for want of slots until the new one
            // has registered.
            long restarted = ExactlyOnce.restarts(rest, jobId);
            if (failure == Failure.TASK_EXCEPTION) {
                assertThat(restarted).as("restarts").isEqualTo(1);
            } else {
                assertThat(restarted).as("restarts").isPositive();
            }
        } finally {
            FreshRecCluster.cancelActiveJobs(CLUSTER);
        }
    }

    /**
     * Polls until every user's list in Redis equals the one queryable state serves, and queryable state no longer
     * changes (the refreshes of active users have stopped); returns the lists as JSON. Fails with the first user
     * that differs.
     */
    private static Map<Long, String> awaitRedisEqualsQueryableState(
            RecommendationClient lookups, RedisRecommendations reader, Scenario scenario, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Long, String> previous = Map.of();
        while (true) {
            Map<Long, String> served = new TreeMap<>();
            for (long user : scenario.users()) {
                Optional<Recommendations> list = lookups.recommendations(user);
                list.ifPresent(recs -> served.put(user, RecommendationJson.write(recs)));
            }
            Map<Long, String> inRedis = readAll(reader, scenario);
            if (served.equals(inRedis) && served.equals(previous)) {
                return served;
            }
            if (System.nanoTime() > deadline) {
                for (long user : scenario.users()) {
                    Recommendations want = lookups.recommendations(user).orElse(null);
                    Recommendations have = reader.recommendations(user).orElse(null);
                    assertThat(have)
                            .as("user %d's list in Redis (queryable state serves %s)", user, want)
                            .usingRecursiveComparison()
                            .isEqualTo(want);
                }
                assertThat(served).as("queryable state settled").isEqualTo(previous);
            }
            previous = served;
            Thread.sleep(1000);
        }
    }

    private static Map<Long, String> readAll(RedisRecommendations reader, Scenario scenario) {
        Map<Long, String> lists = new TreeMap<>();
        for (long user : scenario.users()) {
            reader.recommendations(user).ifPresent(list -> lists.put(user, RecommendationJson.write(list)));
        }
        return lists;
    }

    private static List<Stored> stored(Jedis jedis, String prefix) {
        RedisLayout layout = new RedisLayout(prefix);
        List<Stored> entries = new ArrayList<>();
        for (String key : jedis.keys(layout.listKeyPattern())) {
            Map<String, String> hash = jedis.hgetAll(key);
            entries.add(new Stored(
                    layout.userOf(key),
                    Long.parseLong(hash.get(RedisLayout.EPOCH)),
                    Long.parseLong(hash.get(RedisLayout.SEQ)),
                    hash.get(RedisLayout.LIST)));
        }
        return entries;
    }

    /** The latest event time among the first {@code records} records: every list before the hold is not later. */
    private static long lastEventTimeBefore(Scenario scenario, int records) throws Exception {
        long latest = Long.MIN_VALUE;
        for (long n = 0; n < records; n++) {
            Optional<Interaction> event = OracleInput.valid(scenario.records.map(n), System.currentTimeMillis());
            if (event.isPresent()) {
                latest = Math.max(latest, event.get().timestamp);
            }
        }
        return latest;
    }

    private static void awaitListsAfter(String prefix, long eventTime, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Jedis jedis = redis.client()) {
            while (stored(jedis, prefix).stream()
                            .filter(entry -> entry.list().eventTime > eventTime)
                            .count()
                    < count) {
                assertThat(System.nanoTime())
                        .as("%d lists after the hold written in time", count)
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    private static CheckpointStatsSnapshot checkpoints(MiniCluster mini, JobClient job) throws Exception {
        return mini.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot();
    }
}
