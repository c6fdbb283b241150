package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading Prometheus' text format as Flink's reporter writes it (a comma before the closing brace included). */
class PrometheusScrapeTest {
    private static final String TEXT = """
            # HELP flink_x_freshnessMs freshnessMs (scope: taskmanager_job_task_operator)
            # TYPE flink_x_freshnessMs summary
            flink_x_freshnessMs{operator_name="serving",subtask_index="0",quantile="0.5",} 120.0
            flink_x_freshnessMs{operator_name="serving",subtask_index="0",quantile="0.99",} 900.0
            flink_x_freshnessMs{operator_name="serving",subtask_index="1",quantile="0.99",} 700.0
            flink_x_freshnessMs_count{operator_name="serving",subtask_index="0",} 42.0

            flink_x_gauge{task_name="a \\"quoted\\" name, with {braces}",} +Inf
            flink_jobmanager_numRunningJobs 1.0 1700000000000
            """;

    @Test
    void shouldReadNamesLabelsAndValues() {
        PrometheusScrape scrape = PrometheusScrape.parse(TEXT);
        assertThat(scrape.samples()).hasSize(6);
        assertThat(scrape.names())
                .containsExactly(
                        "flink_jobmanager_numRunningJobs",
                        "flink_x_freshnessMs",
                        "flink_x_freshnessMs_count",
                        "flink_x_gauge");
        assertThat(scrape.samples().get(4))
                .isEqualTo(new PrometheusScrape.Sample(
                        "flink_x_gauge",
                        Map.of("task_name", "a \"quoted\" name, with {braces}"),
                        Double.POSITIVE_INFINITY));
        // A timestamp after the value is not the value.
        assertThat(scrape.samples().get(5).value()).isEqualTo(1.0);
    }

    @Test
    void shouldSumSubtasksWithTheP99QuantileUnderItsOwnName() {
        Map<String, Double> sums = PrometheusScrape.parse(TEXT).sums();
        assertThat(sums).containsEntry("flink_x_freshnessMs_p99", 1600.0).containsEntry("flink_x_freshnessMs", 120.0);
        assertThat(sums).containsEntry("flink_x_freshnessMs_count", 42.0);
    }

    @Test
    void shouldBeEmptyWhenNothingAnswers() {
        // A port from this class's own block, on which nothing listens.
        assertThat(PrometheusScrape.fetch(TestPorts.block().port(0)).isEmpty()).isTrue();
    }
}
