package io.freshrec.ops;

import static io.freshrec.testing.ScrapedRun.OPERATOR_PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecState.Uid;
import io.freshrec.job.MetricNames;
import io.freshrec.testing.PromQl;
import io.freshrec.testing.PrometheusScrape;
import io.freshrec.testing.ScrapedRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard shipped in {@code k8s/grafana/}: a dashboard any Grafana loads against any Prometheus data
 * source, whose every query reads series the real job exports: the embedded run from the project's flink-conf, scraped
 * once every operator has registered its metrics and a checkpoint completed (ScrapedRun, shared with
 * PrometheusMetricsTest).
 */
class GrafanaDashboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The dashboard's variables as a deployment fills them in: the job's name. */
    private static final Map<String, String> VARIABLES = Map.of("job_name", FreshRecJob.JOB_NAME);

    private static GrafanaDashboard dashboard() throws Exception {
        return GrafanaDashboard.read(GrafanaDashboard.PATH);
    }

    @Test
    void shouldBeADashboardAnyGrafanaLoadsAgainstAnyPrometheus() throws Exception {
        GrafanaDashboard dashboard = dashboard();
        assertThat(dashboard.structureProblems()).isEmpty();
        assertThat(dashboard.panels().stream()
                        .filter(p -> "row".equals(p.path("type").asText()))
                        .map(p -> p.path("title").asText()))
                .containsExactly(
                        "Overview",
                        "Throughput",
                        "Freshness",
                        "Quality",
                        "Drift",
                        "Dead letters",
                        "Event time and back-pressure",
                        "Checkpoints",
                        "Model",
                        "Restarts and uptime");
        assertThat(dashboard.queries()).hasSizeGreaterThan(50);
    }

    @Test
    void shouldShowEveryFigureTheIssueAsksFor() throws Exception {
        Set<String> read = dashboard().queries().stream()
                .flatMap(q -> PromQl.selectors(q.expr()).stream())
                .flatMap(s -> s.metric() != null
                        ? List.of(s.metric()).stream()
                        : s.matchers().stream()
                                .filter(m -> m.label().equals("__name__"))
                                .map(PromQl.Matcher::value))
                .collect(Collectors.toSet());
        List<String> operators = List.of(
                // throughput, per operator
                MetricNames.EVENTS,
                "numRecordsIn",
                "numRecordsOut",
                // freshness: the summary's quantiles and count
                MetricNames.FRESHNESS_MS,
                MetricNames.FRESHNESS_MS + "_count",
                // quality: rolling vs total, the breaker and its baseline
                MetricNames.RECALL_ROLLING,
                MetricNames.NDCG_ROLLING,
                MetricNames.PREQUENTIAL_HITS_TOTAL,
                MetricNames.PREQUENTIAL_NDCG_GAIN_TOTAL,
                MetricNames.PREQUENTIAL_SCORED_TOTAL,
                MetricNames.QUALITY_BREAKER_OPEN,
                MetricNames.QUALITY_BASELINE,
                MetricNames.FROZEN_MODEL_VERSION,
                // drift, new users and items
                MetricNames.POPULARITY_SHIFT,
                MetricNames.RECALL_TREND,
                MetricNames.NEW_USERS_PER_SECOND,
                MetricNames.NEW_ITEMS_PER_SECOND,
                // dead letters, event time
                MetricNames.DEAD_LETTERS,
                MetricNames.DEAD_LETTER_REASON + "_.+",
                MetricNames.WATERMARK_LAG_MS);
        List<String> expected = new ArrayList<>();
        operators.forEach(name -> expected.add(OPERATOR_PREFIX + name));
        expected.addAll(List.of(
                "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
                "flink_jobmanager_job_lastCheckpointDuration",
                "flink_jobmanager_job_lastCheckpointSize",
                "flink_jobmanager_job_numberOfCompletedCheckpoints",
                "flink_jobmanager_job_numberOfFailedCheckpoints",
                "flink_jobmanager_job_numRestarts",
                "flink_jobmanager_job_uptime"));
        assertThat(read).containsAll(expected);
    }

    @Test
    void everyQueryReadsSeriesTheRealJobExports() throws Exception {
        ScrapedRun.Result run = ScrapedRun.shared();
        PrometheusScrape scrape = run.scrape();
        // The scrape is complete: every FreshRec operator registered its metrics, and a checkpoint completed.
        Set<String> operators = scrape.samples().stream()
                .map(s -> s.labels().get("operator_name"))
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());
        for (String uid : List.of(Uid.PARSE, Uid.USER_HISTORY, Uid.ITEM_MODEL, Uid.MODEL_GATE, Uid.SERVING)) {
            // Flink's reporter writes an operator's name with '_' for every character Prometheus does not allow.
            assertThat(operators).contains(uid.replace('-', '_'));
        }
        assertThat(run.sums().get("flink_jobmanager_job_lastCheckpointSize")).isPositive();

        assertThat(dashboard().metricProblems(scrape, VARIABLES)).isEmpty();

        // The same check fails on a name the job does not export, against the same scrape.
        ObjectNode changed = dashboard().json().deepCopy();
        ObjectNode target =
                (ObjectNode) changed.path("panels").get(1).path("targets").get(0);
        target.put("expr", "sum(rate(" + OPERATOR_PREFIX + "eventsParsed{job_name=~\"$job_name\"}[$__rate_interval]))");
        assertThat(GrafanaDashboard.of(changed).metricProblems(scrape, VARIABLES))
                .singleElement()
                .asString()
                .contains("names " + OPERATOR_PREFIX + "eventsParsed, which the job does not export");
    }

    /** A scrape like the job's, small enough to read: a summary with quantiles and count (no sum), two operators. */
    private static final PrometheusScrape SCRAPE = PrometheusScrape.parse("""
            flink_taskmanager_job_task_operator_freshnessMs{job_name="freshrec",operator_name="serving",quantile="0.5",} 120.0
            flink_taskmanager_job_task_operator_freshnessMs{job_name="freshrec",operator_name="serving",quantile="0.99",} 900.0
            flink_taskmanager_job_task_operator_freshnessMs_count{job_name="freshrec",operator_name="serving",} 42.0
            flink_taskmanager_job_task_operator_events{job_name="freshrec",operator_name="parse",} 10.0
            flink_taskmanager_job_task_operator_deadLetterReason_malformed_json{job_name="freshrec",operator_name="parse",} 1.0
            flink_taskmanager_job_task_operator_deadLetterReason_rate_limited{job_name="freshrec",operator_name="user_history",} 0.0
            flink_jobmanager_job_uptime{job_name="freshrec",host="localhost",} 5000.0
            flink_jobmanager_numRunningJobs{host="localhost",} 1.0
            """);

    private static final String P = OPERATOR_PREFIX;

    @Test
    void shouldAcceptQueriesThatReadSeriesTheScrapeHas() {
        assertThat(problems(
                        "max by (quantile) (" + P + "freshnessMs{job_name=~\"$job_name\", quantile=~\"0.5|0.99\"})",
                        "sum(rate(" + P + "freshnessMs_count{job_name=\"${job_name}\"}[$__rate_interval]))",
                        "sum by (reason) (rate(label_replace({__name__=~\"" + P + "deadLetterReason_.+\"}, \"reason\","
                                + " \"$1\", \"__name__\", \"" + P + "deadLetterReason_(.+)\")[5m:30s]))",
                        // job and instance come from Prometheus' scrape configuration, not from the job
                        P + "events{job=\"flink\", instance=~\".+:9249\", operator_name!=\"serving\"}",
                        "flink_jobmanager_numRunningJobs{job_name=\"\"}"))
                .isEmpty();
    }

    @Test
    void shouldNameEachQueryThatReadsWhatTheJobDoesNotExport() {
        assertThat(problems(
                        // a made-up metric
                        "sum(rate(" + P + "eventsParsed[5m]))",
                        // Flink's reporter writes a histogram as a summary without _sum, and without buckets
                        P + "freshnessMs_sum / " + P + "freshnessMs_count",
                        "histogram_quantile(0.99, rate(" + P + "freshnessMs_bucket[5m]))",
                        // a quantile it does not report
                        P + "freshnessMs{quantile=\"0.9\"}",
                        // the operator's uid as written in the code, not as the reporter writes it
                        P + "events{operator_name=\"user-history\"}",
                        // a label TaskManager-wide metrics do not have
                        "flink_jobmanager_numRunningJobs{job_name=~\"$job_name\"}",
                        // a name pattern nothing matches, a variable without a value, a misspelt function
                        "{__name__=~\"" + P + "deadLetterReasons_.+\"}",
                        P + "events{operator_name=\"$operator\"}",
                        "rat(" + P + "events[5m])"))
                .containsExactly(
                        "panel 'p0' query A: names " + P + "eventsParsed, which the job does not export",
                        "panel 'p1' query A: names " + P + "freshnessMs_sum, which the job does not export",
                        "panel 'p2' query A: names " + P + "freshnessMs_bucket, which the job does not export",
                        "panel 'p3' query A: " + P + "freshnessMs{quantile=\"0.9\"} matches none of the job's series"
                                + " of that name; their labels: {job_name=[freshrec], operator_name=[serving],"
                                + " quantile=[0.5, 0.99]}",
                        "panel 'p4' query A: " + P + "events{operator_name=\"user-history\"} matches none of the job's"
                                + " series of that name; their labels: {job_name=[freshrec], operator_name=[parse]}",
                        "panel 'p5' query A: flink_jobmanager_numRunningJobs{job_name=~\"$job_name\"} matches none of"
                                + " the job's series of that name; their labels: {host=[localhost]}",
                        "panel 'p6' query A: {__name__=~\"" + P + "deadLetterReasons_.+\"}: no metric the job exports"
                                + " has a matching name",
                        "panel 'p7' query A: " + P + "events{operator_name=\"$operator\"} uses a variable the check has"
                                + " no value for",
                        "panel 'p8' query A: unknown function 'rat' in: rat(" + P + "events[5m])");
    }

    @Test
    void shouldCheckTheLabelAVariableLists() {
        ObjectNode dashboard = dashboardOf();
        ArrayNode variables = dashboard.putObject("templating").putArray("list");
        variables
                .addObject()
                .put("type", "query")
                .put("name", "job_name")
                .putObject("query")
                .put("query", "label_values(flink_jobmanager_job_uptime, job_name)");
        variables
                .addObject()
                .put("type", "query")
                .put("name", "host")
                .put("query", "label_values(flink_jobmanager_job_uptime, tm_id)");
        assertThat(GrafanaDashboard.of(dashboard).metricProblems(SCRAPE, VARIABLES))
                .containsExactly("variable 'host': lists label tm_id, which the series of flink_jobmanager_job_uptime"
                        + " do not carry");
    }

    @Test
    void shouldNameEachStructureProblem() throws Exception {
        ObjectNode broken = dashboard().json().deepCopy();
        ArrayNode panels = (ArrayNode) broken.path("panels");
        // A data source uid of one Grafana, a panel without queries, a copied id, a panel off the grid.
        ObjectNode first = (ObjectNode) panels.get(1);
        ((ObjectNode) first.path("targets").get(0))
                .putObject("datasource")
                .put("type", "prometheus")
                .put("uid", "P1809F7CD0C75ACF3");
        ObjectNode second = (ObjectNode) panels.get(2);
        second.putArray("targets");
        ObjectNode third = (ObjectNode) panels.get(3);
        third.put("id", first.path("id").asInt());
        ((ObjectNode) third.path("gridPos")).put("x", 22);
        // Import-time inputs instead of the data-source variable.
        broken.putArray("__inputs");
        List<String> problems = GrafanaDashboard.of(broken).structureProblems();
        String one = "'" + first.path("title").asText() + "'";
        String two = "'" + second.path("title").asText() + "'";
        String three = "'" + third.path("title").asText() + "'";
        assertThat(problems)
                .contains(
                        "__inputs: use the data-source variable instead of import-time inputs",
                        "panel " + one + " query A: data source {\"type\":\"prometheus\",\"uid\":\"P1809F7CD0C75ACF3\"}"
                                + " is not ${datasource}",
                        "panel " + two + ": no queries",
                        "panel " + three + ": id " + first.path("id") + " missing or not unique",
                        "panel " + three + ": gridPos " + third.path("gridPos") + " outside the 24-column grid",
                        "/panels/1/targets/0/datasource: hard-coded data source"
                                + " {\"type\":\"prometheus\",\"uid\":\"P1809F7CD0C75ACF3\"}")
                .anyMatch(problem -> problem.startsWith("panels " + three + " and ") && problem.endsWith(" overlap"));

        ObjectNode noVariable = dashboard().json().deepCopy();
        ((ObjectNode) noVariable.path("templating")).putArray("list");
        assertThat(GrafanaDashboard.of(noVariable).structureProblems())
                .containsExactly("no variable 'datasource' of type datasource for Prometheus");
    }

    private static List<String> problems(String... expressions) {
        return GrafanaDashboard.of(dashboardOf(expressions)).metricProblems(SCRAPE, VARIABLES);
    }

    /** A dashboard of one panel per expression, titled p0, p1, ... */
    private static ObjectNode dashboardOf(String... expressions) {
        ObjectNode dashboard = JSON.createObjectNode();
        ArrayNode panels = dashboard.putArray("panels");
        for (int i = 0; i < expressions.length; i++) {
            ObjectNode panel =
                    panels.addObject().put("id", i).put("title", "p" + i).put("type", "timeseries");
            panel.putArray("targets").addObject().put("refId", "A").put("expr", expressions[i]);
        }
        return dashboard;
    }
}
