package io.freshrec.gateway;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** The gateway's own Prometheus metrics: requests and their latency per route, method and status. */
final class GatewayMetrics {
    private static final double[] LATENCY_BOUNDS = {
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
    };

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests = Counter.builder()
            .name("freshrec_gateway_requests_total")
            .help("HTTP requests answered by the gateway, by route template, method and status")
            .labelNames("route", "method", "status")
            .register(registry);
    private final Histogram latency = Histogram.builder()
            .name("freshrec_gateway_request_duration_seconds")
            .help("Time from a request's arrival to its answer, by route template, method and status")
            .labelNames("route", "method", "status")
            .classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS)
            .register(registry);
    private final Counter lookups = Counter.builder()
            .name("freshrec_gateway_lookups_total")
            .help("Lookups the gateway made, by source (queryable-state, redis) and outcome (found, missing, failed)")
            .labelNames("source", "outcome")
            .register(registry);

    void request(String route, String method, int status, double seconds) {
        String code = Integer.toString(status);
        requests.labelValues(route, method, code).inc();
        latency.labelValues(route, method, code).observe(seconds);
    }

    void lookup(String source, String outcome) {
        lookups.labelValues(source, outcome).inc();
    }

    String contentType() {
        return writer.getContentType();
    }

    byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, registry.scrape());
        return out.toByteArray();
    }
}
