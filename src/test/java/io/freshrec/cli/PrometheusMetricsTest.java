package io.freshrec.cli;

import static io.freshrec.testing.ScrapedRun.OPERATOR_PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.testing.ScrapedRun;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The monitoring contract: the embedded run started from the project's flink-conf serves FreshRec's metrics in
 * Prometheus format, and their values are the job's real figures (events, dead letters, users, items of a
 * replayed file), next to quality, freshness, drift, breaker and RocksDB state-size metrics; the progress
 * lines show them too.
 */
class PrometheusMetricsTest {
    private static final String PREFIX = OPERATOR_PREFIX;

    @Test
    void shouldServeTheJobsRealFiguresInPrometheusFormat() throws Exception {
        ScrapedRun.Result run = ScrapedRun.shared();
        // Loopback only: the socket serving /metrics is bound to 127.0.0.1, not to every interface (Flink's own
        // reporter binds *:port).
        assertThat(run.prometheusAddresses()).containsExactly("127.0.0.1");
        assertThat(run.run().code()).as(run.run().err()).isZero();
        assertThat(run.run().out())
                .contains("NDCG@10 rolling")
                .contains("drift: popularity shift")
                .contains("quality breaker");

        Map<String, Double> metrics = run.sums();
        assertThat(metrics.get(PREFIX + "eventsTotal")).isEqualTo(run.valid());
        assertThat(metrics.get(PREFIX + "deadLettersTotal")).isEqualTo(run.bad());
        assertThat(metrics.get(PREFIX + "users")).isEqualTo(run.users());
        assertThat(metrics.get(PREFIX + "items")).isEqualTo(run.items());
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
        assertThat(metrics.keySet().stream().filter(name -> name.endsWith("modelVersion")))
                .anySatisfy(name -> assertThat(metrics.get(name)).isPositive());
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
