package io.freshrec.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.events.Interaction;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.Recommendations;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.TestPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The bench's phases one by one, each on its own small input, with what their figures must be: the in-memory
 * ceiling counts and rates what it timed, the growth phase's stream creates exactly the users it says, and the
 * lookup phase stores each list in a real Redis as queryable state serializes it, times every lookup it counts and
 * fails on a user without a list instead of timing a miss.
 */
class BenchPhasesTest {
    private static final long START = 1_704_067_200_000L;

    @TempDir
    Path work;

    private static SyntheticInteractions world() {
        return new SyntheticInteractions(3, 400, 300, 6, START, 200, 60_000, 50, 0.0);
    }

    @Test
    void shouldRateTheCeilingOnTheEventsItTimedAndLearnFromEveryOneOfThem() {
        SyntheticInteractions world = world();
        ModelConfig config = new ModelConfig();

        BenchResult.Ceiling ceiling = Ceiling.measure(world::at, config, 0, 0.2, true);

        // Whole chunks of 20,000, every one timed without a warm-up, and the rate is theirs.
        assertThat(ceiling.events).isPositive();
        assertThat(ceiling.events % 20_000).isZero();
        assertThat(ceiling.seconds).isGreaterThanOrEqualTo(0.2);
        assertThat(ceiling.eventsPerSecond).isCloseTo(ceiling.events / ceiling.seconds, within(1e-6));
        assertThat(ceiling.eventsPerCpuSecond).isPositive();
        Set<Long> users = new HashSet<>();
        Set<Long> items = new HashSet<>();
        for (long n = 0; n < ceiling.events; n++) {
            Interaction event = world.at(n);
            users.add(event.userId);
            items.add(event.itemId);
        }
        assertThat(ceiling.users).isEqualTo(users.size());
        assertThat(ceiling.items).isEqualTo(items.size());
        assertThat(Ceiling.listEntries).as("list entries computed").isPositive();

        BenchResult.Ceiling updatesOnly = Ceiling.measure(world::at, config, 0, 0.2, false);
        assertThat(updatesOnly.events % 20_000).isZero();
        assertThat(Ceiling.listEntries)
                .as("no lists computed for the updates alone")
                .isZero();
    }

    @Test
    void shouldCreateExactlyTheUsersOfTheGrowthLevelWithTheGeneratorsItemsAndTimes() {
        SyntheticInteractions world = world();
        UserSweep sweep = new UserSweep(world, 7);
        Map<Long, Integer> eventsPerUser = new HashMap<>();
        for (long n = 0; n < 50 * 7; n++) {
            Interaction event = sweep.at(n);
            Interaction generated = world.at(n);
            eventsPerUser.merge(event.userId, 1, Integer::sum);
            assertThat(event.itemId).isEqualTo(generated.itemId);
            assertThat(event.timestamp).isEqualTo(generated.timestamp);
            assertThat(event.type).isEqualTo(generated.type);
        }
        assertThat(eventsPerUser).hasSize(50);
        assertThat(eventsPerUser.keySet()).allMatch(user -> user >= 1 && user <= 50);
        assertThat(eventsPerUser.values()).containsOnly(7);
    }

    @Test
    void shouldLookEveryListUpInRedisAsQueryableStateStoresItAndCountEveryTimedLookup() throws Exception {
        List<Recommendations> lists = new ArrayList<>();
        long[] users = new long[40];
        for (int u = 0; u < users.length; u++) {
            Recommendations list = new Recommendations();
            list.userId = 1000 + u;
            list.items = new long[] {u, u + 1, u + 2};
            list.scores = new double[] {3.5, 2.25, 0};
            list.fromTrending = 1;
            list.modelVersion = 7;
            list.eventTime = START + u;
            lists.add(list);
            users[u] = list.userId;
        }
        TestPorts.Block ports = TestPorts.block();
        try (RedisServer redis = RedisServer.start(ports.port(0), work.resolve("redis"))) {
            double meanBytes = Lookups.writeToRedis(redis, lists);
            assertThat(meanBytes).isPositive();
            try (Jedis jedis = redis.client()) {
                assertThat(jedis.dbSize()).isEqualTo(lists.size());
                for (Recommendations list : lists) {
                    byte[] value = jedis.get(Lookups.redisKey(list.userId));
                    Recommendations read = Lookups.serializer().deserialize(new DataInputDeserializer(value));
                    assertThat(read.userId).isEqualTo(list.userId);
                    assertThat(read.items).containsExactly(list.items);
                    assertThat(read.scores).containsExactly(list.scores);
                    assertThat(read.fromTrending).isEqualTo(1);
                    assertThat(read.eventTime).isEqualTo(list.eventTime);
                }
            }

            BenchResult.Latency latency = Lookups.measure(Lookups.redis(redis), 3, users, 100);
            assertThat(latency.clients).isEqualTo(3);
            assertThat(latency.lookups).isEqualTo(300);
            assertThat(latency.p50Ms).isPositive();
            assertThat(latency.p99Ms).isGreaterThanOrEqualTo(latency.p50Ms);
            assertThat(latency.p999Ms).isGreaterThanOrEqualTo(latency.p99Ms);
            assertThat(latency.maxMs).isGreaterThanOrEqualTo(latency.p999Ms);
            assertThat(latency.perSecond).isPositive();

            long[] withAStranger = {users[0], 424_242L};
            assertThatThrownBy(() -> Lookups.measure(Lookups.redis(redis), 1, withAStranger, 2))
                    .isInstanceOf(ExecutionException.class)
                    .hasRootCauseMessage("no list for user 424242");
        }
    }

    @Test
    void shouldJudgeTheSoakOnlyOnceWarmAndNameTheSeriesThatGrows() throws Exception {
        BenchResult result = new BenchResult();
        result.settings.phases = List.of("soak");
        BenchResult.Soak soak = result.soak;
        soak.targetRate = 7000;
        soak.parallelism = 2;
        soak.minutes = 30;
        soak.warmupMinutes = 5;
        soak.badRate = 0.001;
        for (int minute = 1; minute <= 30; minute++) {
            BenchResult.SoakSample sample = new BenchResult.SoakSample();
            sample.minute = minute;
            sample.eventsPerSecond = 7000;
            // The heap fills during the warm-up, then stays; RocksDB keeps growing by 20 MB a minute.
            sample.heapAfterGcMb = minute < 5 ? 100 * minute : 500 + (minute % 2) * 10;
            sample.rocksDbMb = 100 + 20 * minute;
            sample.checkpointSeconds = 0.4;
            sample.checkpointMb = 12;
            sample.freshnessP99Ms = minute == 10 ? Double.NaN : 180;
            sample.deadLettersPerMinute = 420;
            soak.samples.add(sample);
        }

        Bench.judgeSoak(soak);

        assertThat(soak.verdicts)
                .extracting(v -> v.series)
                .containsExactly(
                        "heap after GC",
                        "RocksDB size",
                        "checkpoint duration",
                        "checkpoint size",
                        "freshness p99",
                        "dead letters");
        assertThat(soak.verdicts)
                .filteredOn(v -> !v.holds)
                .extracting(v -> v.series)
                .containsExactly("RocksDB size");
        assertThat(soak.verdicts.get(0).samples).as("warm samples only").isEqualTo(26);
        assertThat(soak.verdicts.get(4).samples).as("a missing sample left out").isEqualTo(25);
        assertThat(soak.verdicts.get(1).rise).isCloseTo(20 * 25, within(1e-6));
        assertThat(soak.passed).isFalse();

        StringWriter table = new StringWriter();
        BenchTable.print(result, new PrintWriter(table));
        assertThat(table.toString())
                .contains(
                        "Soak: 7,000 events/s at parallelism 2 for 30.0 min, 0.1% bad records; judged from minute 5.0")
                .contains("FAILED")
                .contains("| RocksDB size (MB) | 200.00 | 700.00 |");
        Path png = work.resolve("soak.png");
        BenchChart.writeSoak(result, png);
        assertThat(javax.imageio.ImageIO.read(png.toFile()).getWidth()).isPositive();
    }
}
