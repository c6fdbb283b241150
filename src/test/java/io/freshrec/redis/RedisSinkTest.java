package io.freshrec.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.bench.RedisServer;
import io.freshrec.job.FreshRecState;
import io.freshrec.job.MetricNames;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.TestPorts;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The sink in a Flink job (MiniCluster, two writers, checkpoints) writing to a real redis-server with a password, which
 * is stopped mid-run and started again (its snapshot kept): the job waits, the retries metric moves, the warning
 * names the server without the password, and at the end every user's newest list is in Redis (none lost).
 */
class RedisSinkTest {
    private static final TestPorts.Block PORTS = TestPorts.block();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extension(PORTS.port(0), PORTS.port(1));

    private static final int USERS = 50;
    private static final int LISTS = 3000;
    private static final String PASSWORD =
            "s3cret-pw-" + ProcessHandle.current().pid();
    private static final String PREFIX = "sink-test:";

    @TempDir
    Path work;

    /** List n: user n % USERS, its fields all n, so the newest list of a user is the one with the largest n. */
    static final class Lists implements GeneratorFunction<Long, Recommendations> {
        private static final long serialVersionUID = 1L;

        @Override
        public Recommendations map(Long n) {
            return list(n);
        }
    }

    static Recommendations list(long n) {
        Recommendations list = new Recommendations();
        list.userId = n % USERS;
        list.items = new long[] {n, n + 1, n + 2};
        list.scores = new double[] {n / 7.0, n / 11.0, n / 13.0};
        list.modelVersion = n;
        list.eventTime = n;
        list.updatedAt = n;
        list.activeAt = n;
        return list;
    }

    @Test
    void shouldHoldTheListsWhileRedisIsDownAndLoseNoneWhenItIsBack() throws Exception {
        int port = PORTS.port(2);
        Path data = work.resolve("redis");
        RedisServer server = RedisServer.start(port, data, true);
        requirePassword(server);
        String url = "redis://:" + PASSWORD + "@127.0.0.1:" + port;
        String shownUrl = "redis://:<redacted>@127.0.0.1:" + port;

        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Tee(stderr, captured), true, StandardCharsets.UTF_8));
        try {
            JobClient job = submit(url);
            FlinkRest rest = FreshRecCluster.rest(CLUSTER);
            String jobId = job.getJobID().toHexString();

            awaitKeys(server, USERS / 2, Duration.ofSeconds(60));
            server.close();
            // Down: the writers retry, holding their lists; the job waits.
            awaitMetric(rest, jobId, MetricNames.REDIS_WRITE_RETRIES, 3, Duration.ofSeconds(30));
            assertThat(metric(rest, jobId, MetricNames.REDIS_BUFFERED_LISTS))
                    .as("lists held")
                    .isPositive();
            long writtenWhileDown = (long) metric(rest, jobId, MetricNames.REDIS_LISTS_WRITTEN);
            Thread.sleep(1000);
            assertThat((long) metric(rest, jobId, MetricNames.REDIS_LISTS_WRITTEN))
                    .isEqualTo(writtenWhileDown);

            server = RedisServer.start(port, data, true);
            requirePassword(server);
            job.getJobExecutionResult().get(2, TimeUnit.MINUTES);

            try (Jedis jedis = authenticated(server)) {
                RedisLayout layout = new RedisLayout(PREFIX);
                for (long user = 0; user < USERS; user++) {
                    long newest = LISTS - USERS + user;
                    assertThat(jedis.hget(layout.listKey(user), RedisLayout.LIST))
                            .as("user %d's list", user)
                            .isEqualTo(RecommendationJson.write(list(newest)));
                }
                assertThat(jedis.keys(layout.listKeyPattern())).hasSize(USERS);
            }
        } finally {
            System.setErr(stderr);
            server.close();
        }
        String warnings = captured.toString(StandardCharsets.UTF_8);
        assertThat(warnings)
                .contains("freshrec redis sink (subtask ")
                .contains("cannot write to " + shownUrl)
                .contains("writing to " + shownUrl + " again after")
                .doesNotContain(PASSWORD);
        Path log = Path.of("target", "test-logs", "tests.log");
        if (Files.exists(log)) {
            assertThat(Files.readString(log)).doesNotContain(PASSWORD);
        }
    }

    private static JobClient submit(String url) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RedisOptions.URL, url);
        conf.set(RedisOptions.KEY_PREFIX, PREFIX);
        conf.set(RedisOptions.BATCH_SIZE, 20);
        RedisSettings settings = RedisOptions.settings(conf);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(1000);
        Configuration restarts = new Configuration();
        // Lists must survive the outage inside the writers, not through a restart.
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        env.configure(restarts);
        env.fromSource(
                        new DataGeneratorSource<>(
                                new Lists(), LISTS, RateLimiterStrategy.perSecond(300), FreshRecState.RECOMMENDATIONS),
                        WatermarkStrategy.noWatermarks(),
                        "lists")
                .setParallelism(1)
                .keyBy(list -> list.userId, Types.LONG)
                .sinkTo(new RedisSink(settings))
                .name(FreshRecState.Uid.REDIS_SINK)
                .uid(FreshRecState.Uid.REDIS_SINK)
                .setParallelism(2);
        return env.executeAsync("redis-sink-test");
    }

    private static void requirePassword(RedisServer server) {
        try (Jedis jedis = server.client()) {
            jedis.configSet("requirepass", PASSWORD);
        }
    }

    private static Jedis authenticated(RedisServer server) {
        Jedis jedis = server.client();
        jedis.auth(PASSWORD);
        return jedis;
    }

    private static void awaitKeys(RedisServer server, int keys, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Jedis jedis = authenticated(server)) {
            while (jedis.keys(new RedisLayout(PREFIX).listKeyPattern()).size() < keys) {
                assertThat(System.nanoTime())
                        .as("%d users written in time", keys)
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    private static void awaitMetric(FlinkRest rest, String jobId, String name, double atLeast, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (metric(rest, jobId, name) < atLeast) {
            assertThat(System.nanoTime())
                    .as("%s reached %s in time", name, atLeast)
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The sum over the subtasks of the sink's metric {@code name} (Flink names the writer "redis-sink: Writer"). */
    static double metric(FlinkRest rest, String jobId, String name) throws Exception {
        double sum = 0;
        for (JsonNode vertex : rest.get("jobs/" + jobId).path("vertices")) {
            String path = "jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
            List<String> ids = new ArrayList<>();
            for (JsonNode metric : rest.get(path)) {
                String id = metric.path("id").asText();
                if (id.startsWith(FreshRecState.Uid.REDIS_SINK) && id.endsWith("." + name)) {
                    ids.add(id);
                }
            }
            for (String id : ids) {
                for (JsonNode value : rest.get(path + "?get=" + id + "&agg=sum")) {
                    sum += value.path("sum").asDouble();
                }
            }
        }
        return sum;
    }

    /** Writes to both streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) throws java.io.IOException {
            first.write(bytes, off, len);
            second.write(bytes, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            first.flush();
            second.flush();
        }
    }
}
