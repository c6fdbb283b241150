package io.freshrec.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.ops.EmbeddedRun;
import io.freshrec.rest.FlinkRest;
import io.freshrec.sources.InteractionSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;

/**
 * One job of the benchmark: the job exactly as {@code freshrec run} starts it ({@link EmbeddedRun}: MiniCluster,
 * RocksDB, checkpoints, queryable state), on a thread of its own, with its progress lines indented under the bench's.
 * The bench watches it through the REST API and ends it by interrupting the run (as Ctrl-C does).
 */
final class JobRun implements AutoCloseable {
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile String jobId;
    private volatile URI rest;
    private volatile long submittedNanos;
    private volatile Throwable failure;
    private volatile boolean ended;
    /** How long the REST API caches a metric ({@code metrics.fetcher.update-interval}). */
    private final long metricsCacheMs;

    private JobRun(
            String label,
            Configuration conf,
            InteractionSource source,
            Path deadLetters,
            String savepoint,
            PrintWriter out,
            Duration progress,
            String jobName,
            EmbeddedRun.Graph graph) {
        metricsCacheMs = conf.get(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL).toMillis();
        PrintWriter lines = new PrintWriter(new ProgressFilter(out, "    " + label + " "), true);
        EmbeddedRun.Listener listener = new EmbeddedRun.Listener() {
            @Override
            public void jobStarted(String id, URI restUri, int parallelism) {
                submittedNanos = System.nanoTime();
                jobId = id;
                rest = restUri;
                started.countDown();
            }
        };
        EmbeddedRun run = new EmbeddedRun(conf, source, deadLetters, lines, savepoint, listener);
        if (graph != null) {
            run.graph(jobName, graph);
        }
        thread = new Thread(
                () -> {
                    try {
                        run.run(null, progress, new long[0]);
                    } catch (Throwable e) {
                        failure = e;
                    } finally {
                        ended = true;
                        started.countDown();
                    }
                },
                "bench-" + label);
        thread.setDaemon(true);
    }

    /** Starts the job; returns once it was submitted. */
    static JobRun start(
            String label,
            Configuration conf,
            InteractionSource source,
            Path deadLetters,
            String savepoint,
            PrintWriter out,
            Duration progress)
            throws Exception {
        return start(label, conf, source, deadLetters, savepoint, out, progress, null, null);
    }

    /** Starts another graph than the job's (null: the job's) in the same kind of run; returns once it was submitted. */
    static JobRun start(
            String label,
            Configuration conf,
            InteractionSource source,
            Path deadLetters,
            String savepoint,
            PrintWriter out,
            Duration progress,
            String jobName,
            EmbeddedRun.Graph graph)
            throws Exception {
        awaitPortsFree(conf);
        JobRun job = new JobRun(label, conf, source, deadLetters, savepoint, out, progress, jobName, graph);
        job.thread.start();
        if (!job.started.await(5, TimeUnit.MINUTES) || job.jobId == null) {
            job.close();
            throw new IllegalStateException(label + ": the job did not start" + job.failureText());
        }
        return job;
    }

    /** The previous job's cluster may still be letting its fixed ports go. */
    private static void awaitPortsFree(Configuration conf) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (String key : List.of("rest.bind-port", "queryable-state.proxy.ports", "queryable-state.server.ports")) {
            String value = conf.getString(key, "0").trim();
            if (!value.matches("[0-9]+") || value.equals("0")) {
                continue;
            }
            while (!free(Integer.parseInt(value)) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
        }
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("localhost", port));
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }

    String jobId() {
        return jobId;
    }

    FlinkRest rest() {
        return new FlinkRest(rest);
    }

    /** A read-only REST call. */
    interface Call<T> {
        T on(FlinkRest rest) throws IOException;
    }

    /**
     * A read-only REST call, retried for a minute: on a machine this busy the REST API sometimes answers after its
     * 5 s timeout, which must not end a 20-minute benchmark.
     */
    <T> T read(Call<T> call) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (true) {
            try {
                return call.on(rest());
            } catch (IOException e) {
                check();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    /** Waits until the job and every task run (REST hiccups retried). */
    void awaitRunning(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!read(r -> r.allTasksRunning(jobId))) {
            check();
            String state = read(r -> r.jobStatus(jobId));
            if (List.of("FAILED", "CANCELED", "FINISHED", "FAILING").contains(state)) {
                throw new IllegalStateException("job " + jobId + " " + state.toLowerCase(Locale.ROOT));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " not running after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    long lowestInputWatermark() throws IOException, InterruptedException {
        return read(r -> r.lowestInputWatermark(jobId));
    }

    /** System.nanoTime() when the cluster acknowledged the job's submission. */
    long submittedNanos() {
        return submittedNanos;
    }

    /** Throws when the job failed or its run ended. */
    void check() {
        if (ended) {
            throw new IllegalStateException("the job ended early" + failureText());
        }
    }

    private String failureText() {
        if (failure == null) {
            return "";
        }
        StringBuilder text = new StringBuilder(": ").append(failure.getMessage());
        for (Throwable cause = failure.getCause();
                cause != null && cause != cause.getCause();
                cause = cause.getCause()) {
            text.append(" <- ")
                    .append(cause.getClass().getSimpleName())
                    .append(": ")
                    .append(cause.getMessage());
        }
        return text.toString();
    }

    /** The named operator metrics, summed over subtasks (absent ones are 0). */
    Map<String, Double> sums(List<String> names) throws IOException, InterruptedException {
        Map<String, FlinkRest.Aggregate> values = read(r -> r.metrics(jobId, names));
        Map<String, Double> sums = new LinkedHashMap<>();
        for (String name : names) {
            FlinkRest.Aggregate value = values.get(name);
            sums.put(name, value == null ? 0.0 : value.sum);
        }
        return sums;
    }

    /** One metric aggregated over subtasks, or null while not reported. */
    FlinkRest.Aggregate metric(String name) throws IOException, InterruptedException {
        return read(r -> r.metrics(jobId, List.of(name))).get(name);
    }

    /**
     * A just-refreshed value of a summed metric and when it was seen: the REST API caches metrics for {@code
     * metrics.fetcher.update-interval}, so this polls until the value changes (or 3 s pass).
     */
    double[] freshSample(String name) throws IOException, InterruptedException {
        double first = sum(name);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            Thread.sleep(50);
            double value = sum(name);
            if (value != first) {
                return new double[] {System.nanoTime(), value};
            }
        }
        return new double[] {System.nanoTime(), first};
    }

    /**
     * A summed metric once it has stopped moving: equal in two reads further apart than the REST API's metric cache
     * (the input's tail may still be on its way through the bundles when the input has ended), or the last read after
     * {@code timeout}.
     */
    double settledSum(String name, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        double previous = sum(name);
        while (System.nanoTime() < deadline) {
            Thread.sleep(metricsCacheMs + 250);
            double value = sum(name);
            if (value == previous) {
                return value;
            }
            previous = value;
        }
        return previous;
    }

    /**
     * When a summed metric first moved from its value now (the job's input started flowing), and that value; returns
     * at once when it already reached {@code atLeast}.
     */
    double[] awaitChange(String name, double atLeast, Duration timeout) throws IOException, InterruptedException {
        double first = sum(name);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (first < atLeast && System.nanoTime() < deadline) {
            check();
            double value = sum(name);
            if (value != first) {
                return new double[] {System.nanoTime(), value};
            }
            Thread.sleep(50);
        }
        return new double[] {System.nanoTime(), first};
    }

    double sum(String name) throws IOException, InterruptedException {
        FlinkRest.Aggregate value = metric(name);
        return value == null ? 0.0 : value.sum;
    }

    /** Completed checkpoints (not savepoints) in the REST API's history, oldest first. */
    List<JsonNode> completedCheckpoints() throws IOException, InterruptedException {
        List<JsonNode> done = new ArrayList<>();
        for (JsonNode checkpoint :
                read(r -> r.get("jobs/" + jobId + "/checkpoints")).path("history")) {
            if ("COMPLETED".equals(checkpoint.path("status").asText())
                    && !checkpoint.path("is_savepoint").asBoolean()) {
                done.add(0, checkpoint);
            }
        }
        done.sort((a, b) -> Long.compare(a.path("id").asLong(), b.path("id").asLong()));
        return done;
    }

    /** Waits for a checkpoint triggered after {@code afterEpochMs} to complete; returns its REST summary. */
    JsonNode awaitCheckpointAfter(long afterEpochMs, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            check();
            for (JsonNode checkpoint : completedCheckpoints()) {
                if (checkpoint.path("trigger_timestamp").asLong() > afterEpochMs) {
                    return checkpoint;
                }
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no checkpoint completed within " + timeout.toSeconds() + " s");
    }

    /** Full state size of each vertex (by name) in a completed checkpoint. */
    Map<String, Long> stateByVertex(long checkpointId) throws IOException, InterruptedException {
        Map<String, String> names = new LinkedHashMap<>();
        for (JsonNode vertex : read(r -> r.get("jobs/" + jobId)).path("vertices")) {
            names.put(vertex.path("id").asText(), vertex.path("name").asText());
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        JsonNode tasks = read(r -> r.get("jobs/" + jobId + "/checkpoints/details/" + checkpointId))
                .path("tasks");
        tasks.fields()
                .forEachRemaining(task -> sizes.put(
                        names.getOrDefault(task.getKey(), task.getKey()),
                        task.getValue().path("state_size").asLong()));
        return sizes;
    }

    /** Stops the job with a savepoint (the run keeps its cluster until closed); returns its location. */
    String stopWithSavepoint(String directory) throws IOException, InterruptedException {
        String trigger = rest().stopWithSavepoint(jobId, directory, "CANONICAL");
        return rest().awaitSavepoint(jobId, trigger, Duration.ofMinutes(10));
    }

    /**
     * Ends the run (cancels a running job) and waits until its cluster is down. Interrupts again while the run is
     * alive: Flink calls it may be in can swallow an interrupt.
     */
    @Override
    public void close() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (thread.isAlive() && System.nanoTime() < deadline) {
            thread.interrupt();
            thread.join(1000);
        }
        if (thread.isAlive()) {
            throw new IllegalStateException(
                    "the embedded Flink of " + thread.getName() + " did not stop within 3 minutes");
        }
    }

    /** Passes on EmbeddedRun's progress lines (and its final line), indented; drops its hints for interactive use. */
    private static final class ProgressFilter extends Writer {
        private final PrintWriter out;
        private final String prefix;
        private final StringBuilder line = new StringBuilder();

        ProgressFilter(PrintWriter out, String prefix) {
            this.out = out;
            this.prefix = prefix;
        }

        @Override
        public synchronized void write(char[] chars, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                char c = chars[i];
                if (c == '\n') {
                    String text = line.toString();
                    line.setLength(0);
                    if (text.startsWith("[") || text.startsWith("Finished") || text.startsWith("Restored")) {
                        out.println(prefix + text);
                        out.flush();
                    }
                } else if (c != '\r') {
                    line.append(c);
                }
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {}
    }
}
