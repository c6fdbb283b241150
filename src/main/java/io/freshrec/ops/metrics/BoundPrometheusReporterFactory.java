package io.freshrec.ops.metrics;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.NetUtils;

/**
 * {@code metrics.reporter.prom.factory.class: io.freshrec.ops.metrics.BoundPrometheusReporterFactory}: Flink's
 * Prometheus reporter bound to {@code metrics.reporter.prom.host} (default 127.0.0.1, loopback only) on the first free
 * port of {@code metrics.reporter.prom.port} (default 9249). The embedded run and the standalone cluster script use it;
 * Kubernetes, where Prometheus scrapes the pod's address, uses Flink's own factory behind a NetworkPolicy.
 */
public final class BoundPrometheusReporterFactory implements MetricReporterFactory {
    public static final String HOST = "host";
    public static final String PORT = "port";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_PORT = "9249";

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        String host = properties.getProperty(HOST, DEFAULT_HOST).trim();
        String ports = properties.getProperty(PORT, DEFAULT_PORT).trim();
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("metrics reporter host '" + host + "' is unknown", e);
        }
        return new BoundPrometheusReporter(address, NetUtils.getPortRangeFromString(ports));
    }
}
