package io.freshrec.ops;

import io.freshrec.job.FreshRecJob;
import io.freshrec.job.ParseFunction;
import io.freshrec.job.ServingFunction;
import io.freshrec.model.Recommendations;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.InteractionSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the job on an embedded MiniCluster (RocksDB, checkpoints, queryable state, REST) and reports
 * progress until the input ends, the duration passes or the user presses Ctrl-C.
 */
public final class EmbeddedRun {
    private static final List<String> METRICS = List.of("parse.events", "parse.eventsPerSecond", "parse.deadLetters",
            "serving.prequentialHits", "serving.prequentialScored", "serving.usersCreated", "serving.usersExpired",
            "item-model.itemsCreated", "item-model.itemsExpired", "model-gate.snapshotsRejected",
            "model-gate.modelVersion", "serving.freshnessMs_median", "serving.freshnessMs_p99", "serving.recallRolling");

    private final Configuration conf;
    private final InteractionSource source;
    private final Path deadLetterDir;
    private final PrintWriter out;
    private long lastReport;

    public EmbeddedRun(Configuration conf, InteractionSource source, Path deadLetterDir, PrintWriter out) {
        this.conf = conf;
        this.source = source;
        this.deadLetterDir = deadLetterDir;
        this.out = out;
    }

    /** Final figures of a run. */
    public static final class Summary {
        public long events;
        public long deadLetters;
        public long hits;
        public long scored;
        public double seconds;

        public double recall() {
            return scored == 0 ? 0 : (double) hits / scored;
        }
    }

    public Summary run(Duration duration, Duration progressEvery, long[] sampleUsers) throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        try {
            return run(duration, progressEvery, sampleUsers, reported);
        } finally {
            // Also on failure: a shutdown hook waiting for the final line must not wait in vain.
            reported.countDown();
        }
    }

    private Summary run(Duration duration, Duration progressEvery, long[] sampleUsers, CountDownLatch reported)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        JobAssembly.build(env, conf, source, deadLetterDir.toString());
        long started = System.nanoTime();
        JobClient client = env.executeAsync(FreshRecJob.JOB_NAME);
        // Completes when the job ends; an embedded cluster stops with its job, so poll this, not the status.
        CompletableFuture<JobExecutionResult> result = client.getJobExecutionResult();
        int proxyPort = firstPort(conf.get(QueryableStateOptions.PROXY_PORT_RANGE));
        URI rest = URI.create("http://" + conf.get(RestOptions.ADDRESS) + ":" + conf.get(RestOptions.PORT));
        out.printf("FreshRec job %s started on an embedded Flink (parallelism %d, RocksDB, checkpoints, queryable state on port %d).%n",
                client.getJobID(), env.getParallelism(), proxyPort);
        out.printf("Web UI and REST: %s   Dead letters: %s%n", rest, JobAssembly.deadLetterTarget(conf, deadLetterDir.toString()));
        out.printf("Look a user up from another terminal:  java -jar target/freshrec.jar recommend --user %d%n",
                sampleUsers.length > 0 ? sampleUsers[0] : 1);
        out.println(duration == null ? "Press Ctrl-C to stop." : "Running for " + duration.toSeconds() + " s (Ctrl-C stops earlier).");

        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            stopping.set(true);
            cancelQuietly(client);
            try {
                // Let the run print its final line before the JVM goes.
                reported.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "freshrec-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        FlinkRest flink = new FlinkRest(rest);
        Summary summary = new Summary();
        boolean cancelled = false;
        try (RecommendationClient lookups = new RecommendationClient(conf.get(RestOptions.ADDRESS), proxyPort, rest,
                client.getJobID(), Duration.ofSeconds(2))) {
            long deadline = duration == null ? Long.MAX_VALUE : started + duration.toNanos();
            int tick = 0;
            while (!stopping.get() && !result.isDone()) {
                if (Thread.interrupted()) {
                    break;
                }
                long wait = Math.min(progressEvery.toNanos(), Math.max(0, deadline - System.nanoTime()));
                try {
                    result.get(Math.max(wait, 1_000_000), TimeUnit.NANOSECONDS);
                    break;
                } catch (TimeoutException stillRunning) {
                    // time for a progress line
                } catch (ExecutionException failedOrCancelled) {
                    break;
                }
                tick++;
                report(flink, client.getJobID().toHexString(), started, summary);
                if (tick % 3 == 1) {
                    samples(lookups, sampleUsers);
                }
                if (System.nanoTime() >= deadline) {
                    out.println("Duration reached: stopping the job.");
                    client.cancel().get(30, TimeUnit.SECONDS);
                    cancelled = true;
                    break;
                }
            }
        }
        JobStatus end = JobStatus.CANCELED;
        if (!cancelled && !stopping.get()) {
            try {
                JobExecutionResult finished = result.get();
                end = JobStatus.FINISHED;
                summary.events = longAccumulator(finished, ParseFunction.ACC_EVENTS);
                summary.deadLetters = longAccumulator(finished, ParseFunction.ACC_DEAD_LETTERS);
                summary.hits = longAccumulator(finished, ServingFunction.ACC_HITS);
                summary.scored = longAccumulator(finished, ServingFunction.ACC_SCORED);
            } catch (ExecutionException e) {
                throw new IllegalStateException("the job failed: " + rootMessage(e), e);
            }
        }
        summary.seconds = (System.nanoTime() - started) / 1e9;
        awaitClusterShutdown(flink);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // Ctrl-C: the hook is running.
        }
        out.printf("Finished (%s) after %.1f s: %,d events (%,.0f/s), %,d dead letters, prequential recall@10 %.4f (%,d hits / %,d scored).%n",
                end, summary.seconds, summary.events, summary.events / Math.max(summary.seconds, 1e-9), summary.deadLetters,
                summary.recall(), summary.hits, summary.scored);
        out.flush();
        reported.countDown();
        return summary;
    }

    private void report(FlinkRest flink, String jobId, long started, Summary summary) {
        try {
            Map<String, FlinkRest.Aggregate> m = flink.metrics(jobId, METRICS);
            long previousEvents = summary.events;
            long now = System.nanoTime();
            summary.events = (long) sum(m, "parse.events");
            double rate = lastReport == 0 ? 0 : (summary.events - previousEvents) / ((now - lastReport) / 1e9);
            lastReport = now;
            summary.deadLetters = (long) sum(m, "parse.deadLetters");
            summary.hits = (long) sum(m, "serving.prequentialHits");
            summary.scored = (long) sum(m, "serving.prequentialScored");
            out.printf("[%5.0fs] events %,d (%,.0f/s) | users %,d | items %,d | model v%,d | dead letters %,d | "
                            + "recall@10 rolling %.3f total %.3f | freshness p50 %.0f ms p99 %.0f ms%n",
                    (System.nanoTime() - started) / 1e9, summary.events, rate,
                    (long) (sum(m, "serving.usersCreated") - sum(m, "serving.usersExpired")),
                    (long) (sum(m, "item-model.itemsCreated") - sum(m, "item-model.itemsExpired")),
                    (long) max(m, "model-gate.modelVersion"), summary.deadLetters,
                    avg(m, "serving.recallRolling"), summary.recall(),
                    max(m, "serving.freshnessMs_median"), max(m, "serving.freshnessMs_p99"));
        } catch (IOException e) {
            out.println("(metrics not available yet: " + e.getMessage() + ")");
        }
        out.flush();
    }

    private void samples(RecommendationClient lookups, long[] users) {
        for (long user : users) {
            try {
                Optional<Recommendations> recs = lookups.recommendations(user);
                if (recs.isPresent()) {
                    long[] top = Arrays.copyOf(recs.get().items, Math.min(5, recs.get().items.length));
                    out.printf("    user %d -> %s (model v%d)%n", user, Arrays.toString(top), recs.get().modelVersion);
                }
            } catch (LookupException e) {
                out.printf("    user %d: %s%n", user, e.getMessage());
            }
        }
        out.flush();
    }

    private static double sum(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? 0.0 : value.sum;
    }

    private static double max(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? 0.0 : value.max;
    }

    private static double avg(Map<String, FlinkRest.Aggregate> metrics, String name) {
        FlinkRest.Aggregate value = metrics.get(name);
        return value == null ? 0.0 : value.avg;
    }

    private static long longAccumulator(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value instanceof Number ? ((Number) value).longValue() : 0L;
    }

    private static void cancelQuietly(JobClient client) {
        try {
            if (!client.getJobStatus().get(5, TimeUnit.SECONDS).isGloballyTerminalState()) {
                client.cancel().get(20, TimeUnit.SECONDS);
            }
        } catch (Exception ignored) {
            // Shutting down anyway.
        }
    }

    /** The embedded cluster stops with its job, asynchronously: wait until its REST port is free again. */
    private static void awaitClusterShutdown(FlinkRest flink) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try {
                flink.get("config");
            } catch (IOException gone) {
                return;
            }
            Thread.sleep(100);
        }
    }

    static int firstPort(String range) {
        String first = range.split(",")[0].split("-")[0].trim();
        return Integer.parseInt(first);
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
