package io.freshrec.gateway;

import io.freshrec.redis.RedisEndpoint;
import io.freshrec.redis.RedisLayout;
import io.freshrec.redis.RedisRecommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.versions.VersionRegistry;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;

/**
 * A started gateway with what it reads from: the job's queryable state (a {@link RecommendationClient}), its REST API
 * (a {@link JobWatch}), Redis when asked, and the version registry; prints where it listens and every change of the
 * job it serves (found, lost), so a terminal running {@code freshrec serve} is never silent about why answers stop.
 */
public final class GatewayServer implements AutoCloseable {
    /** Where the answers come from. */
    public record Sources(
            String proxyHost,
            int proxyPort,
            URI flinkRest,
            String jobId,
            String redisUrl,
            String redisKeyPrefix,
            Path registry,
            Duration poll) {
        /** Lists from queryable state, or from Redis under the job's default key prefix. */
        public Sources(
                String proxyHost,
                int proxyPort,
                URI flinkRest,
                String jobId,
                String redisUrl,
                Path registry,
                Duration poll) {
            this(proxyHost, proxyPort, flinkRest, jobId, redisUrl, RedisLayout.DEFAULT_PREFIX, registry, poll);
        }
    }

    private final Gateway gateway;
    private final ScheduledExecutorService reporter;

    private GatewayServer(Gateway gateway, ScheduledExecutorService reporter) {
        this.gateway = gateway;
        this.reporter = reporter;
    }

    /** Starts the gateway and prints its address, its clients (never their tokens) and its sources to {@code out}. */
    public static GatewayServer start(Gateway.Settings settings, Sources sources, PrintWriter out)
            throws LookupException {
        RecommendationClient client = new RecommendationClient(
                sources.proxyHost(),
                sources.proxyPort(),
                sources.flinkRest(),
                sources.jobId() == null ? null : JobID.fromHexString(sources.jobId()),
                settings.lookupTimeout());
        ListSource lists = sources.redisUrl() == null
                ? ListSource.queryableState(client)
                : ListSource.redis(RedisRecommendations.open(sources.redisUrl(), sources.redisKeyPrefix()));
        JobWatch watch = new JobWatch(
                new FlinkRest(sources.flinkRest()), sources.jobId(), sources.poll(), Duration.ofMinutes(30));
        VersionRegistry registry = sources.registry() == null ? null : new VersionRegistry(sources.registry());
        Gateway gateway = new Gateway(settings, lists, client, watch, registry);
        try {
            gateway.start();
        } catch (RuntimeException e) {
            gateway.close();
            throw new IllegalArgumentException(
                    "cannot listen on " + settings.bind() + ":" + settings.port() + ": " + rootMessage(e));
        }
        String scheme = settings.tls() != null ? "https" : "http";
        out.printf(
                "FreshRec gateway on %s://%s:%d (clients: %s; lists from %s, neighbours from queryable state %s:%d, "
                        + "job from %s; %s%s)%n",
                scheme,
                settings.bind(),
                gateway.port(),
                String.join(", ", settings.tokens().clientNames()),
                lists.name().equals("redis") ? "Redis " + RedisEndpoint.shown(sources.redisUrl()) : "queryable state",
                sources.proxyHost(),
                sources.proxyPort(),
                sources.flinkRest(),
                settings.requestsPerSecondPerClient() > 0
                        ? String.format("%.0f requests/s per client", settings.requestsPerSecondPerClient())
                        : "no rate limit",
                settings.openOperations() ? "; /healthz, /readyz and /metrics open" : "");
        out.printf(
                "  dashboard %s://%s:%d/ (asks for a token), API document /openapi.json%n",
                scheme, settings.bind(), gateway.port());
        out.flush();
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "gateway-status");
            thread.setDaemon(true);
            return thread;
        });
        String[] last = {""};
        reporter.scheduleWithFixedDelay(
                () -> {
                    Optional<String> job = watch.runningJob();
                    String now = job.map(id -> "serving job " + id)
                            .orElse(watch.latest().at() == 0 ? "" : "no job to serve: " + watch.problem());
                    if (!now.isEmpty() && !now.equals(last[0])) {
                        out.println("  " + now);
                        out.flush();
                        last[0] = now;
                    }
                },
                500,
                500,
                TimeUnit.MILLISECONDS);
        return new GatewayServer(gateway, reporter);
    }

    public int port() {
        return gateway.port();
    }

    Gateway gateway() {
        return gateway;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @Override
    public void close() {
        reporter.shutdownNow();
        gateway.close();
    }
}
