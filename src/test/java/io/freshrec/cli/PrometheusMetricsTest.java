package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.testing.CliRun;
import io.freshrec.testing.ListeningSockets;
import io.freshrec.testing.TestPorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring contract: the embedded run started from the project's flink-conf serves FreshRec's metrics in
 * Prometheus format, and their values are the job's real figures (events, dead letters, users, items of a
 * replayed file), next to quality, freshness, drift, breaker and RocksDB state-size metrics; the progress
 * lines show them too.
 */
class PrometheusMetricsTest {
    /** Ports of this class only (TestPorts): 0 REST, 1 queryable-state proxy, 2 state server, 3 Prometheus. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROMETHEUS_PORT = PORTS.port(3);
    private static final String PREFIX = "flink_taskmanager_job_task_operator_";
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    @TempDir
    Path work;

    /** Sum over subtasks of each metric (all label sets), by name. */
    private static Map<String, Double> scrape() {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + PROMETHEUS_PORT + "/metrics"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            Map<String, Double> sums = new HashMap<>();
            for (String line : response.body().split("\n")) {
                Matcher sample = SAMPLE.matcher(line);
                if (!line.startsWith("#") && sample.matches()) {
                    double value = Double.parseDouble(sample.group(3));
                    String name = sample.group(1);
                    if (sample.group(2) != null && sample.group(2).contains("quantile=\"0.99\"")) {
                        name += "_p99";
                    }
                    sums.merge(name, value, Double::sum);
                }
            }
            return sums;
        } catch (Exception notUpYet) {
            return Map.of();
        }
    }

    @Test
    void shouldServeTheJobsRealFiguresInPrometheusFormat() throws Exception {
        Path input = work.resolve("u.data");
        StringBuilder lines = new StringBuilder();
        Set<Integer> users = new HashSet<>();
        Set<Integer> items = new HashSet<>();
        long second = 900_000_000L;
        int valid = 0;
        for (int i = 0; i < 3000; i++) {
            int user = 1 + (i * 13) % 90;
            int item = 1 + (i * 7 + user * 3) % 150;
            users.add(user);
            items.add(item);
            lines.append(user)
                    .append('\t')
                    .append(item)
                    .append('\t')
                    .append(1 + i % 5)
                    .append('\t')
                    .append(second + i)
                    .append('\n');
            valid++;
            if (i % 500 == 0) {
                lines.append("not\ta\trating\n");
            }
        }
        int bad = 6;
        Files.writeString(input, lines);

        CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of(
                "run",
                "--flink-conf",
                "flink-conf",
                "--input",
                input.toString(),
                "--keep-running",
                "--duration",
                "60s",
                "--progress",
                "2s",
                "--dead-letters",
                work.resolve("dead").toString(),
                "--registry",
                work.resolve("versions").toString(),
                "-D",
                "rest.port=" + PORTS.port(0),
                "-D",
                "queryable-state.proxy.ports=" + PORTS.port(1),
                "-D",
                "queryable-state.server.ports=" + PORTS.port(2),
                "-D",
                "metrics.reporter.prom.port=" + PROMETHEUS_PORT,
                "-D",
                "execution.checkpointing.dir=" + work.resolve("checkpoints").toUri(),
                "-D",
                "io.tmp.dirs=" + work.resolve("tmp")));
        Map<String, Double> metrics = Map.of();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(55);
            // Until the whole file was learnt and served (users are counted when served) and a checkpoint completed.
            while (System.nanoTime() < deadline
                    && !(metrics.getOrDefault(PREFIX + "eventsTotal", 0.0) == valid
                            && metrics.getOrDefault(PREFIX + "users", 0.0) == users.size()
                            && metrics.getOrDefault(PREFIX + "items", 0.0) == items.size()
                            && metrics.getOrDefault("flink_jobmanager_job_lastCheckpointSize", -1.0) > 0)) {
                Thread.sleep(1000);
                Map<String, Double> latest = scrape();
                metrics = latest.isEmpty() ? metrics : latest; // a scrape can time out on a loaded machine
            }
            // Loopback only: the socket serving /metrics is bound to 127.0.0.1, not to every interface (Flink's own
            // reporter binds *:port).
            assertThat(ListeningSockets.addresses(PROMETHEUS_PORT)).containsExactly("127.0.0.1");
        } finally {
            CliRun finished = run.get(120, TimeUnit.SECONDS);
            assertThat(finished.code()).as(finished.err()).isZero();
            assertThat(finished.out())
                    .contains("NDCG@10 rolling")
                    .contains("drift: popularity shift")
                    .contains("quality breaker");
        }
        assertThat(metrics.get(PREFIX + "eventsTotal")).isEqualTo(valid);
        assertThat(metrics.get(PREFIX + "deadLettersTotal")).isEqualTo(bad);
        assertThat(metrics.get(PREFIX + "users")).isEqualTo(users.size());
        assertThat(metrics.get(PREFIX + "items")).isEqualTo(items.size());
        // Quality: the gain of a hit is at most 1, so NDCG never exceeds recall.
        double scored = metrics.get(PREFIX + "prequentialScoredTotal");
        assertThat(scored).isPositive();
        double recall = metrics.get(PREFIX + "prequentialHitsTotal") / scored;
        double ndcg = metrics.get(PREFIX + "prequentialNdcgGainTotal") / scored;
        assertThat(recall).isBetween(0.0, 1.0);
        assertThat(ndcg).isPositive().isLessThanOrEqualTo(recall);
        assertThat(metrics)
                .containsKeys(
                        PREFIX + "recallRolling",
                        PREFIX + "ndcgRolling",
                        PREFIX + "recallTrend",
                        PREFIX + "freshnessMs_p99",
                        PREFIX + "eventsPerSecond",
                        PREFIX + "popularityShift",
                        PREFIX + "newUsersPerSecond",
                        PREFIX + "newItemsPerSecond",
                        PREFIX + "qualityBreakerOpen",
                        PREFIX + "qualityBaseline");
        assertThat(metrics.get(PREFIX + "qualityBreakerOpen")).isZero();
        Map<String, Double> scraped = metrics;
        assertThat(scraped.keySet().stream().filter(name -> name.endsWith("modelVersion")))
                .anySatisfy(name -> assertThat(scraped.get(name)).isPositive());
        // State sizes: RocksDB's estimates per state (they count flushed data only, so a small job may show 0) and
        // the size of the job's last checkpoint.
        assertThat(metrics)
                .containsKeys(
                        PREFIX + "history_rocksdb_estimate_live_data_size",
                        PREFIX + "cooccurrence_rocksdb_estimate_live_data_size",
                        PREFIX + "recommendations_rocksdb_total_sst_files_size");
        assertThat(metrics.get("flink_jobmanager_job_lastCheckpointSize")).isPositive();
    }
}
