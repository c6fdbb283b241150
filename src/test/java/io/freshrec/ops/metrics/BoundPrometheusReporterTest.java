package io.freshrec.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.testing.ListeningSockets;
import io.freshrec.testing.TestPorts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.junit.jupiter.api.Test;

class BoundPrometheusReporterTest {
    private final TestPorts.Block ports = TestPorts.block();

    /** An operator's metric group as Flink hands it to a reporter: a logical scope and the operator's name. */
    private static final class OperatorGroup extends UnregisteredMetricsGroup implements LogicalScopeProvider {
        @Override
        public String getLogicalScope(CharacterFilter filter) {
            return getLogicalScope(filter, '.');
        }

        @Override
        public String getLogicalScope(CharacterFilter filter, char delimiter) {
            return String.join(String.valueOf(delimiter), "taskmanager", "job", "task", "operator");
        }

        @Override
        public MetricGroup getWrappedMetricGroup() {
            return this;
        }

        @Override
        public Map<String, String> getAllVariables() {
            return Map.of("<operator_name>", "parse");
        }
    }

    @Test
    void shouldServeFlinksMetricsOnLoopbackOnlyOnTheFirstFreePortOfTheRange() throws Exception {
        Properties settings = new Properties();
        settings.setProperty("port", ports.range(0, 1));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.port(0)));
            MetricReporter reporter = new BoundPrometheusReporterFactory().createMetricReporter(settings);
            try {
                assertThat(((BoundPrometheusReporter) reporter).address().getPort())
                        .isEqualTo(ports.port(1));
                assertThat(ListeningSockets.addresses(ports.port(1))).containsExactly("127.0.0.1");
                SimpleCounter counter = new SimpleCounter();
                counter.inc(7);
                reporter.notifyOfAddedMetric(counter, "eventsTotal", new OperatorGroup());
                String body = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.port(1) + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(body)
                        .contains("flink_taskmanager_job_task_operator_eventsTotal{operator_name=\"parse\",} 7.0");
            } finally {
                reporter.close();
            }
        }
        assertThat(ListeningSockets.addresses(ports.port(1))).as("closed").isEmpty();
    }

    @Test
    void shouldBeFoundByFlinkUnderItsFactoryClassAndSayWhenNoPortIsFree() throws Exception {
        assertThat(ServiceLoader.load(MetricReporterFactory.class).stream()
                        .map(provider -> provider.type().getName()))
                .contains(BoundPrometheusReporterFactory.class.getName());
        Properties settings = new Properties();
        settings.setProperty("port", Integer.toString(ports.port(2)));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.port(2)));
            assertThatThrownBy(() -> new BoundPrometheusReporterFactory().createMetricReporter(settings))
                    .hasMessage(
                            "no free port for the Prometheus HTTP server on 127.0.0.1 (tried " + ports.port(2) + ")");
        }
        settings.setProperty("host", "no-such-host.invalid");
        assertThatThrownBy(() -> new BoundPrometheusReporterFactory().createMetricReporter(settings))
                .hasMessage("metrics reporter host 'no-such-host.invalid' is unknown");
    }
}
