package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.testing.PromQl.Matcher;
import io.freshrec.testing.PromQl.Selector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The metric names (and matchers) PromQl reads out of expressions, and what it refuses to guess about. */
class PromQlTest {
    private static List<String> names(String expression) {
        return PromQl.selectors(expression).stream().map(Selector::metric).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            up                                                                   | up
            rate(requests_total[5m])                                             | requests_total
            sum by (operator_name) (rate(events{job_name=~"$job_name"}[$__rate_interval])) | events
            sum(rate(events[1m])) by (le, operator_name)                         | events
            SUM BY (x) (events) AND ON (tm_id) busy                              | events busy
            sum without (instance) (a) / ignoring (x) group_left (y) b           | a b
            a * on (tm_id) group_left b                                          | a b
            histogram_quantile(0.99, sum by (le) (rate(latency_bucket[5m])))     | latency_bucket
            max_over_time(a[10m:30s]) > bool 0.5                                 | a
            a offset 1h30m - a @ start()                                         | a a
            label_replace(a, "reason", "$1", "__name__", "x_(.+){2}")            | a
            count_values("version", model_version) # a comment naming fake_metric | model_version
            topk(5, a) or vector(0) unless b                                     | a b
            a{quantile="0.99"} / 1e3 + a_count * 2.5e-1 - 0x1F                   | a a_count
            recording:rule_name:rate5m{x!="y"}                                   | recording:rule_name:rate5m
            """)
    void shouldReadEveryMetricNameAndNoOtherWord(String expression, String expected) {
        assertThat(names(expression)).containsExactly(expected.split(" "));
    }

    @Test
    void shouldKeepEachSelectorsMatchers() {
        List<Selector> selectors = PromQl.selectors(
                "max by (quantile) (freshness{job_name=~\"$job_name\", quantile=~'0.5|0.99', x!=\"a\\\"b\", y!~`c\\d`,})");
        assertThat(selectors)
                .containsExactly(new Selector(
                        "freshness",
                        List.of(
                                new Matcher("job_name", "=~", "$job_name"),
                                new Matcher("quantile", "=~", "0.5|0.99"),
                                new Matcher("x", "!=", "a\"b"),
                                new Matcher("y", "!~", "c\\d"))));
    }

    @Test
    void shouldReadASelectorWithoutANameAsItsMatchers() {
        assertThat(PromQl.selectors("sum(rate(label_replace({__name__=~\"x_.+\", a=\"b\"}, \"r\", \"$1\", \"__name__\","
                        + " \"x_(.+)\")[5m:30s]))"))
                .containsExactly(
                        new Selector(null, List.of(new Matcher("__name__", "=~", "x_.+"), new Matcher("a", "=", "b"))));
    }

    @Test
    void shouldRefuseWhatItCannotRead() {
        // A misspelt function is not a metric named 'rat'.
        assertThatThrownBy(() -> PromQl.selectors("rat(a[5m])")).hasMessageContaining("unknown function 'rat'");
        assertThatThrownBy(() -> PromQl.selectors("a{b=\"c\"")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> PromQl.selectors("a{b=\"c}")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> PromQl.selectors("rate(a[5m)")).hasMessageContaining("unclosed '['");
        assertThatThrownBy(() -> PromQl.selectors("sum by (x (a)")).hasMessageContaining("unclosed '('");
        assertThatThrownBy(() -> PromQl.selectors("a{b c}")).hasMessageContaining("after 'b'");
        assertThatThrownBy(() -> PromQl.selectors("a{b=c}")).hasMessageContaining("quoted value");
        assertThatThrownBy(() -> PromQl.selectors("a}")).hasMessageContaining("unexpected '}'");
    }

    @Test
    void shouldPrintASelectorAsPromQl() {
        assertThat(PromQl.selectors("a{b=\"c\", d=~\"e\"}").get(0)).hasToString("a{b=\"c\", d=~\"e\"}");
        assertThat(PromQl.selectors("a").get(0)).hasToString("a");
    }
}
