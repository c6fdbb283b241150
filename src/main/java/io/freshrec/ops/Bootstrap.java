package io.freshrec.ops;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.InputFormat;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.job.MetricNames;
import io.freshrec.job.ParseFunction;
import io.freshrec.job.ServingFunction;
import io.freshrec.rest.FlinkRest;
import io.freshrec.sources.HistorySummary;
import io.freshrec.sources.InteractionSource;
import io.freshrec.versions.SavepointFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.RpcServiceSharing;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * Warm start from history: the model learnt from a history file, written as a savepoint the streaming job
 * starts from.
 *
 * <p>This is a bounded run of the job's own operators, not a State Processor API rewrite of what they would
 * have computed: the state is then the live job's by construction (histories, co-occurrence, neighbours,
 * versions, the version counter, trending, served lists, pending buffers and timers), and it stays so as the
 * job evolves. What differs from a live run is only the end of input. A finished bounded input sends the
 * end-of-time watermark, which fires every timer: expiry timers would be used up without expiring anything,
 * serving's end-of-input refresh would rescore every user with the final model, and the model version still
 * open at the end would be committed half full (a live job commits it once the stream passes it, with the
 * stream's updates of the same interval in it, under one version number). So the history is replayed by a
 * source that, after its last record, sends the watermark of the file's last valid event time and stays open:
 * every event of the history is applied, everything later stays pending exactly as in a live job that has read
 * the same events. The job is then stopped with a savepoint without draining (no end-of-time watermark), and
 * the State Processor API removes the bootstrap source's own state (its read position in the history file),
 * so any streaming job (generator, file replay, Kafka) starts from the savepoint without
 * allowNonRestoredState. The stream must continue after the history's last event time.
 */
public final class Bootstrap {
    public static final String JOB_NAME = "freshrec-bootstrap";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final List<String> FIGURES = List.of(
            MetricNames.PARSE_EVENTS_TOTAL,
            MetricNames.SERVING_USERS,
            MetricNames.ITEM_MODEL_ITEMS,
            MetricNames.MODEL_GATE_MODEL_VERSION);

    private final Configuration conf;
    private final Path input;
    private final InputFormat format;
    private final String targetDirectory;
    private final PrintWriter out;

    /** What the bootstrap learnt and wrote. */
    public static final class Result {
        public HistorySummary history;
        public String jobId;
        public String savepoint;
        public Long sizeBytes;
        public int parallelism;
        /** Interactions the job parsed and learnt from (the job's own count). */
        public long events;

        public long deadLetters;
        /** Prequential hits and scored events over the history. */
        public long hits;

        public long scored;
        /** Users and items in the model (after the expiry of idle ones during the history). */
        public long users;

        public long items;
        public long modelVersion;
        public double learnSeconds;
        public double savepointSeconds;
        public double totalSeconds;

        public Double recall() {
            return scored == 0 ? null : (double) hits / scored;
        }
    }

    /**
     * @param conf the Flink and FreshRec settings the streaming job will run with (model settings must match)
     * @param targetDirectory where the savepoint goes: a path or URI
     */
    public Bootstrap(Configuration conf, Path input, InputFormat format, String targetDirectory, PrintWriter out) {
        this.conf = conf;
        this.input = input;
        this.format = format;
        this.targetDirectory = targetDirectory.endsWith("/")
                ? targetDirectory.substring(0, targetDirectory.length() - 1)
                : targetDirectory;
        this.out = out;
    }

    public Result run(Duration progressEvery) throws Exception {
        long started = System.nanoTime();
        Result result = new Result();
        out.printf(
                "Reading %s (%s) ...%n",
                input, format.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        out.flush();
        HistorySummary history = HistorySummary.read(input, format, System.currentTimeMillis(), read -> {
            out.printf("  %,d records read%n", read);
            out.flush();
        });
        result.history = history;
        if (history.events == 0) {
            throw new IllegalArgumentException(
                    "--input " + input + " holds no valid interactions (" + history.records + " records, "
                            + history.deadLetters + " dead letters" + reasons(history.deadLettersByReason) + ")");
        }
        out.printf(
                "History: %,d interactions of %,d users with %,d items, %s to %s UTC; %,d dead letters%s (%.1f s)%n",
                history.events,
                history.users,
                history.items,
                TIME.format(Instant.ofEpochMilli(history.firstEventTime)),
                TIME.format(Instant.ofEpochMilli(history.lastEventTime)),
                history.deadLetters,
                reasons(history.deadLettersByReason),
                seconds(started));
        out.flush();

        Configuration settings = new Configuration(conf);
        // No periodic checkpoints (the savepoint at the end is the point) and no lookups: a bootstrap runs
        // beside a serving job without taking its ports.
        settings.removeConfig(CheckpointingOptions.CHECKPOINTING_INTERVAL);
        settings.set(QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER, false);
        if (!conf.contains(ExecutionOptions.SNAPSHOT_COMPRESSION)) {
            // Flink restores operator state (serving's broadcast copy of the model) from an uncompressed snapshot
            // with a read call per value: minutes for a MovieLens model. Compressed, it is read in blocks.
            settings.set(ExecutionOptions.SNAPSHOT_COMPRESSION, true);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(settings);
        InteractionSource source = InteractionSource.bootstrap(
                input, format, history.lastEventTime, settings.get(FreshRecOptions.OUT_OF_ORDERNESS));
        // Dead letters are counted (and were listed above); the bootstrap savepoint holds only the model.
        new FreshRecJob(settings, source, new DiscardingSink<DeadLetter>(), null).build(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(JOB_NAME);
        result.parallelism = env.getParallelism();

        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(settings)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(Math.max(1, result.parallelism))
                .setRpcServiceSharing(RpcServiceSharing.SHARED)
                .build());
        try {
            cluster.start();
            JobID job = cluster.submitJob(graph.getJobGraph()).get().getJobID();
            result.jobId = job.toHexString();
            FlinkRest flink = new FlinkRest(cluster.getRestAddress().get());
            out.printf(
                    "Learning on an embedded Flink (parallelism %d, RocksDB), job %s, web UI %s%n",
                    result.parallelism, job, flink.base());
            out.flush();
            long learning = System.nanoTime();
            learn(cluster, flink, job, history, progressEvery, result);
            result.learnSeconds = seconds(learning);
            out.printf(
                    "Learnt in %.1f s: %,d events (%,.0f/s); model v%,d as of %s UTC with %,d users and %,d items%n",
                    result.learnSeconds,
                    result.events,
                    result.events / Math.max(result.learnSeconds, 1e-9),
                    result.modelVersion,
                    TIME.format(Instant.ofEpochMilli(history.lastEventTime)),
                    result.users,
                    result.items);
            out.flush();

            long saving = System.nanoTime();
            String staging = targetDirectory + "/.bootstrap-staging-" + job;
            String raw = flink.awaitSavepoint(
                    result.jobId, flink.stopWithSavepoint(result.jobId, staging, "CANONICAL"), Duration.ofHours(2));
            JobResult ended = cluster.requestJobResult(job).get(5, TimeUnit.MINUTES);
            JobExecutionResult accumulators = ended.toJobExecutionResult(Bootstrap.class.getClassLoader());
            result.events = EmbeddedRun.longAccumulator(accumulators, ParseFunction.ACC_EVENTS);
            result.deadLetters = EmbeddedRun.longAccumulator(accumulators, ParseFunction.ACC_DEAD_LETTERS);
            result.hits = EmbeddedRun.longAccumulator(accumulators, ServingFunction.ACC_HITS);
            result.scored = EmbeddedRun.longAccumulator(accumulators, ServingFunction.ACC_SCORED);

            String savepoint = targetDirectory + "/bootstrap-"
                    + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                            .withZone(ZoneOffset.UTC)
                            .format(Instant.now()) + "-" + result.jobId.substring(0, 6);
            withoutBootstrapSource(cluster, raw, savepoint);
            SavepointFiles.delete(staging);
            result.savepoint = savepoint;
            result.sizeBytes = SavepointFiles.size(savepoint);
            result.savepointSeconds = seconds(saving);
        } finally {
            cluster.close();
        }
        result.totalSeconds = seconds(started);
        return result;
    }

    /**
     * Waits (printing progress) until every operator has processed the history's last event time, then reads
     * the model's figures. Records and watermarks travel in order: once the lowest input watermark of the
     * job's tasks is the history's last event time, every record has been applied everywhere.
     */
    private void learn(
            MiniCluster cluster,
            FlinkRest flink,
            JobID job,
            HistorySummary history,
            Duration progressEvery,
            Result result)
            throws Exception {
        long started = System.nanoTime();
        long nextProgress = started + progressEvery.toNanos();
        long lastEvents = 0;
        long lastTime = started;
        while (true) {
            if (cluster.getJobStatus(job).get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                throw new IllegalStateException("the bootstrap job ended early: " + failure(cluster, job));
            }
            long watermark = safely(() -> flink.lowestInputWatermark(job.toHexString()), Long.MIN_VALUE);
            if (watermark >= history.lastEventTime) {
                break;
            }
            if (System.nanoTime() >= nextProgress) {
                Map<String, FlinkRest.Aggregate> figures =
                        safely(() -> flink.metrics(job.toHexString(), FIGURES), Map.of());
                long events = (long) ProgressReport.sum(figures, MetricNames.PARSE_EVENTS_TOTAL);
                long now = System.nanoTime();
                out.printf(
                        "[%5.0fs] events %,d of %,d (%,.0f/s) | event time %s | model v%,d%n",
                        (now - started) / 1e9,
                        events,
                        history.events,
                        (events - lastEvents) / ((now - lastTime) / 1e9),
                        watermark == Long.MIN_VALUE ? "-" : TIME.format(Instant.ofEpochMilli(watermark)),
                        (long) ProgressReport.max(figures, MetricNames.MODEL_GATE_MODEL_VERSION));
                out.flush();
                lastEvents = events;
                lastTime = now;
                nextProgress = now + progressEvery.toNanos();
            }
            Thread.sleep(200);
        }
        // The metrics of the moment the watermark arrived may predate the timers it fired: read until they settle.
        long pause = conf.get(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL).toMillis() + 200;
        Map<String, FlinkRest.Aggregate> previous = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            Thread.sleep(pause);
            Map<String, FlinkRest.Aggregate> figures = flink.metrics(job.toHexString(), FIGURES);
            result.events = (long) ProgressReport.sum(figures, MetricNames.PARSE_EVENTS_TOTAL);
            result.users = (long) ProgressReport.sum(figures, MetricNames.SERVING_USERS);
            result.items = (long) ProgressReport.sum(figures, MetricNames.ITEM_MODEL_ITEMS);
            result.modelVersion = (long) ProgressReport.max(figures, MetricNames.MODEL_GATE_MODEL_VERSION);
            if (previous != null && same(previous, figures)) {
                return;
            }
            previous = figures;
        }
    }

    /**
     * Writes {@code savepoint}: the raw bootstrap savepoint without the bootstrap source's state (State
     * Processor API; the other operators' state files are copied along), on the same embedded Flink.
     */
    private static void withoutBootstrapSource(MiniCluster cluster, String raw, String savepoint) throws Exception {
        // Its own environment: the writer's job moves Flink's checkpoint metadata, which needs generic types.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        SavepointWriter.fromExistingSavepoint(env, raw)
                .removeOperator(OperatorIdentifier.forUid(InteractionSource.BOOTSTRAP))
                .write(savepoint);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(JOB_NAME + "-savepoint");
        JobID writer = cluster.submitJob(graph.getJobGraph()).get().getJobID();
        JobResult written = cluster.requestJobResult(writer).get(30, TimeUnit.MINUTES);
        if (!written.isSuccess()) {
            throw new IllegalStateException("writing the savepoint failed: " + failure(cluster, writer));
        }
    }

    private static String failure(MiniCluster cluster, JobID job) {
        try {
            JobResult result = cluster.requestJobResult(job).get(30, TimeUnit.SECONDS);
            Throwable cause = result.getSerializedThrowable()
                    .map(thrown -> (Throwable) thrown.deserializeError(Bootstrap.class.getClassLoader()))
                    .orElse(null);
            if (cause == null) {
                return String.valueOf(result.getApplicationStatus());
            }
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            return cause.getClass().getSimpleName() + ": "
                    + String.valueOf(cause.getMessage()).split("\n", 2)[0];
        } catch (Exception e) {
            return "unknown (" + e.getClass().getSimpleName() + ")";
        }
    }

    private interface Call<T> {
        T get() throws IOException;
    }

    /** REST answers while the job starts may be incomplete: fall back instead of failing. */
    private static <T> T safely(Call<T> call, T fallback) {
        try {
            return call.get();
        } catch (IOException | RuntimeException notYet) {
            return fallback;
        }
    }

    private static boolean same(Map<String, FlinkRest.Aggregate> a, Map<String, FlinkRest.Aggregate> b) {
        for (String name : FIGURES) {
            if (ProgressReport.sum(a, name) != ProgressReport.sum(b, name)
                    || ProgressReport.max(a, name) != ProgressReport.max(b, name)) {
                return false;
            }
        }
        return a.keySet().equals(b.keySet());
    }

    private static String reasons(Map<String, Long> byReason) {
        if (byReason.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder(" (");
        byReason.forEach((reason, count) -> text.append(text.length() > 2 ? ", " : "")
                .append(reason)
                .append(' ')
                .append(String.format(Locale.ROOT, "%,d", count)));
        return text.append(')').toString();
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
