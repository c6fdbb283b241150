package io.freshrec.ops.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;

/**
 * Flink's Prometheus reporter (the same metric names, labels and types: {@link AbstractPrometheusReporter} does all
 * of that) serving {@code /metrics} on one address instead of every interface. Flink 1.20's {@code PrometheusReporter}
 * binds {@code *:port} and has no host option; this one binds {@code host:port}, the first free port of the range.
 */
public final class BoundPrometheusReporter extends AbstractPrometheusReporter {
    private final HTTPServer server;
    private final InetSocketAddress address;

    BoundPrometheusReporter(InetAddress host, Iterator<Integer> ports) {
        CollectorRegistry registry = registryOf(this);
        HTTPServer started = null;
        InetSocketAddress bound = null;
        StringBuilder tried = new StringBuilder();
        while (started == null && ports.hasNext()) {
            InetSocketAddress candidate = new InetSocketAddress(host, ports.next());
            try {
                started = new HTTPServer(candidate, registry, true);
                bound = candidate;
            } catch (IOException taken) {
                tried.append(tried.length() == 0 ? "" : ", ").append(candidate.getPort());
                log.debug("Could not start the Prometheus HTTP server on {}.", candidate, taken);
            }
        }
        if (started == null) {
            throw new IllegalStateException("no free port for the Prometheus HTTP server on " + host.getHostAddress()
                    + " (tried " + tried + ")");
        }
        this.server = started;
        this.address = bound;
        log.info("Started the Prometheus HTTP server on {}.", bound);
    }

    /** Where {@code /metrics} is served. */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        server.stop();
        super.close();
    }

    /**
     * The registry the base class fills, which Flink 1.20 keeps package-private; FreshRec pins Flink 1.20.0, and
     * BoundPrometheusReporterTest fails at once if a version hides it.
     */
    static CollectorRegistry registryOf(AbstractPrometheusReporter reporter) {
        try {
            Field field = AbstractPrometheusReporter.class.getDeclaredField("registry");
            field.setAccessible(true);
            return (CollectorRegistry) field.get(reporter);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this Flink's Prometheus reporter has no registry to serve: " + e, e);
        }
    }
}
