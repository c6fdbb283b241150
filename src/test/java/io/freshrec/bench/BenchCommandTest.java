package io.freshrec.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.testing.CliRun;
import io.freshrec.testing.TestPorts;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code freshrec bench} end to end at tiny sizes: every phase against a real embedded Flink (RocksDB, checkpoints,
 * queryable state) and a real redis-server; the JSON has every section with positive, consistent values, and the
 * chart is an image. No figure is compared with a speed.
 */
class BenchCommandTest {
    /**
     * Ports of this class only (TestPorts). The bench takes --port-base + 67 (state server), + 69 (queryable-state
     * proxy), + 79 (redis) and + 81 (REST): offsets 0, 2, 12 and 14 of the block; 4-5 are its Prometheus ports.
     */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PORT_BASE = PORTS.first() - 67;

    @TempDir
    Path out;

    @Test
    void shouldMeasureEveryPhaseAndWriteJsonAndChart() throws Exception {
        CliRun run = CliRun.of(
                "bench",
                "--quick",
                "--out",
                out.toString(),
                "--port-base",
                Integer.toString(PORT_BASE),
                "--ceiling-window",
                "1s",
                "--warmup",
                "2s",
                "--window",
                "3s",
                "--freshness-window",
                "3s",
                "--lookups",
                "400",
                "--clients",
                "2",
                "--growth-users",
                "300,1200",
                "--growth-budget",
                "10min",
                "--history-lengths",
                "4,8",
                "--history-events",
                "3200",
                "-D",
                "execution.checkpointing.interval=1s",
                "-D",
                "execution.checkpointing.min-pause=200ms",
                "-D",
                "metrics.reporter.prom.port=" + PORTS.range(4, 5));
        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains(
                        "| throughput |",
                        "Freshness at half of the maximum load",
                        "| store | clients |",
                        "Growth with users",
                        "| history length |",
                        "| target |");

        JsonNode bench = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
        JsonNode ceiling = bench.path("throughput").path("ceiling");
        assertThat(ceiling.path("eventsPerSecond").asDouble()).isPositive();
        assertThat(ceiling.path("updatesOnlyEventsPerSecond").asDouble()).isPositive();
        List<Integer> parallelisms = new ArrayList<>();
        for (JsonNode job : bench.path("throughput").path("job")) {
            parallelisms.add(job.path("parallelism").asInt());
            assertThat(job.path("events").asLong()).isPositive();
            // The rate is the events counted over the window measured, and its share of the ceiling is that rate's.
            double rate =
                    job.path("events").asLong() / job.path("windowSeconds").asDouble();
            assertThat(job.path("eventsPerSecond").asDouble()).isCloseTo(rate, within(1e-9 * rate));
            assertThat(job.path("percentOfCeiling").asDouble())
                    .isCloseTo(100 * rate / ceiling.path("eventsPerSecond").asDouble(), within(1e-9 * rate));
            // Checkpoints happened inside every measuring window.
            assertThat(job.path("checkpoints").path("completed").asInt()).isPositive();
            assertThat(job.path("checkpoints").path("stateBytesMean").asDouble())
                    .isPositive();
        }
        assertThat(parallelisms).containsExactly(1, 2);

        // The engine floor at the same parallelisms, and each job row's rate as a share of it.
        List<Integer> floorParallelisms = new ArrayList<>();
        for (JsonNode floor : bench.path("throughput").path("floor")) {
            floorParallelisms.add(floor.path("parallelism").asInt());
            assertThat(floor.path("eventsPerSecond").asDouble()).isPositive();
            assertThat(floor.path("eventsPerCpuSecond").asDouble()).isPositive();
            assertThat(floor.path("checkpoints").path("completed").asInt()).isPositive();
        }
        assertThat(floorParallelisms).containsExactly(1, 2);
        for (int i = 0; i < 2; i++) {
            JsonNode job = bench.path("throughput").path("job").get(i);
            double floorRate = bench.path("throughput")
                    .path("floor")
                    .get(i)
                    .path("eventsPerSecond")
                    .asDouble();
            assertThat(job.path("floorEventsPerSecond").asDouble()).isEqualTo(floorRate);
            assertThat(job.path("percentOfFloor").asDouble())
                    .isCloseTo(100 * job.path("eventsPerSecond").asDouble() / floorRate, within(1e-9));
        }
        assertThat(run.out()).contains("| engine floor, parallelism 1", "| engine floor, parallelism 2");
        assertThat(run.out()).containsPattern("job, parallelism 2: [0-9,]+ events/s = [0-9]+% of the engine floor");
        assertThat(bench.path("notes").toString()).contains("the engine floor");

        JsonNode freshness = bench.path("freshness");
        assertThat(freshness.path("snapshots").asInt()).isPositive();
        assertThat(freshness.path("achievedRate").asDouble()).isPositive();
        assertThat(freshness.path("p50Ms").asDouble())
                .isPositive()
                .isLessThanOrEqualTo(freshness.path("p99Ms").asDouble());

        JsonNode lookups = bench.path("lookups");
        assertThat(lookups.path("keys").asLong()).isPositive();
        assertThat(lookups.path("valueBytesMean").asDouble()).isPositive();
        for (String store : List.of("queryableState", "redis", "gateway")) {
            List<Integer> clients = new ArrayList<>();
            for (JsonNode latency : lookups.path(store)) {
                int n = latency.path("clients").asInt();
                clients.add(n);
                assertThat(latency.path("lookups").asLong()).as(store).isEqualTo(n == 1 ? 400 : 400 / n * n);
                assertThat(latency.path("p50Ms").asDouble()).as(store).isPositive();
                assertThat(latency.path("p99Ms").asDouble())
                        .isGreaterThanOrEqualTo(latency.path("p50Ms").asDouble());
                assertThat(latency.path("p999Ms").asDouble())
                        .isGreaterThanOrEqualTo(latency.path("p99Ms").asDouble());
                assertThat(latency.path("perSecond").asDouble()).isPositive();
            }
            assertThat(clients).as(store).containsExactly(1, 2);
        }

        JsonNode state = bench.path("state");
        assertThat(state.path("users").asLong()).isPositive();
        assertThat(state.path("items").asLong()).isPositive();
        assertThat(state.path("checkpointBytes").asLong()).isPositive();
        // State per user is user-history's and serving's bytes over the users; per item, item-model's over the items.
        long userBytes = 0;
        long itemBytes = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        state.path("bytesByOperator").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> operator = it.next();
            if (operator.getKey().startsWith("user-history")
                    || operator.getKey().startsWith("serving")) {
                userBytes += operator.getValue().asLong();
            } else if (operator.getKey().startsWith("item-model")) {
                itemBytes += operator.getValue().asLong();
            }
        }
        assertThat(userBytes).isPositive();
        assertThat(itemBytes).isPositive();
        assertThat(state.path("bytesPerUser").asDouble())
                .isCloseTo((double) userBytes / state.path("users").asLong(), within(1e-9 * userBytes));
        assertThat(state.path("bytesPerItem").asDouble())
                .isCloseTo((double) itemBytes / state.path("items").asLong(), within(1e-9 * itemBytes));
        // Every key looked up has a list (a missing one fails the phase), so there are at most as many as users.
        assertThat(lookups.path("keys").asLong())
                .isLessThanOrEqualTo(state.path("users").asLong());
        assertThat(state.path("savepointBytes").asLong()).isPositive();
        assertThat(state.path("restoreSeconds").asDouble()).isPositive();
        List<String> operators = new ArrayList<>();
        state.path("bytesByOperator").fieldNames().forEachRemaining(operators::add);
        assertThat(operators)
                .anyMatch(name -> name.startsWith("user-history"))
                .anyMatch(name -> name.startsWith("item-model"))
                .anyMatch(name -> name.startsWith("serving"));

        JsonNode levels = bench.path("growth").path("levels");
        assertThat(levels).hasSize(2);
        for (JsonNode level : levels) {
            // Users are created in turn: exactly the level's users exist once its input has ended.
            assertThat(level.path("users").asLong())
                    .isEqualTo(level.path("usersTarget").asLong());
            assertThat(level.path("eventsPerSecond").asDouble()).isPositive();
            assertThat(level.path("bytesPerUser").asDouble()).isPositive();
            assertThat(level.path("savepointBytes").asLong()).isPositive();
            assertThat(level.path("restoreSeconds").asDouble()).isPositive();
            assertThat(level.path("lookups").path("lookups").asLong()).isPositive();
        }
        assertThat(levels.get(1).path("checkpointBytes").asLong())
                .isGreaterThan(levels.get(0).path("checkpointBytes").asLong());
        assertThat(levels.get(1).path("marginalBytesPerUser").asDouble()).isPositive();

        JsonNode history = bench.path("historyLength");
        assertThat(history).hasSize(2);
        assertThat(history.get(0).path("historyLength").asInt()).isEqualTo(4);
        assertThat(history.get(1).path("historyLength").asInt()).isEqualTo(8);
        assertThat(history.get(0).path("users").asLong())
                .isEqualTo(history.get(1).path("users").asLong())
                .isEqualTo(3200 / 16);
        // Longer histories hold more items per user.
        assertThat(history.get(1).path("userHistoryBytes").asLong())
                .isGreaterThan(history.get(0).path("userHistoryBytes").asLong());
        for (JsonNode row : history) {
            assertThat(row.path("eventsPerSecond").asDouble()).isPositive();
            assertThat(row.path("ceilingEventsPerSecond").asDouble()).isPositive();
        }

        assertThat(bench.path("targets")).hasSize(5);
        assertThat(bench.path("machine").path("uptimeBefore").asText()).contains("load average");
        assertThat(bench.path("machine").path("cores").asInt()).isPositive();

        BufferedImage chart = ImageIO.read(out.resolve("bench.png").toFile());
        assertThat(chart).isNotNull();
        assertThat(chart.getWidth()).isGreaterThan(800);
        assertThat(chart.getHeight()).isGreaterThan(800);

        // The bench stopped its redis-server and removed its checkpoints and savepoints.
        assertThat(listening(PORT_BASE + 79)).isFalse();
        assertThat(Files.exists(out.resolve("work"))).isFalse();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
