package io.freshrec.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.ParseFunction;
import io.freshrec.job.ServingFunction;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.InteractionSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.clusterframework.ApplicationStatus;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.RpcServiceSharing;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * Runs the job on an embedded MiniCluster (RocksDB, checkpoints, queryable state, REST and web UI) and reports
 * progress until the input ends, the duration passes or the user presses Ctrl-C.
 *
 * <p>The cluster is a small session cluster that outlives its job in one case: when the job is stopped with a
 * savepoint ({@code freshrec stop}, {@code freshrec rollback}), the run keeps the cluster up and follows the
 * next FreshRec job submitted to it through its REST API ({@code /jars/upload} and {@code /jars/:id/run}, the
 * same calls that deploy to a standalone cluster). That is the whole of embedded rollback: {@code rollback}
 * stops the job with a savepoint and submits the version's job exactly as it would to any Flink. Why this
 * design rather than the run watching for rollback requests and restarting itself: one code path for every
 * Flink (tested here, in-process), the run needs no knowledge of versions, and a job submitted by hand ({@code
 * submit}) is followed the same way. The cluster loads submitted jars parent-first: its classpath is FreshRec
 * itself, so a resubmitted job runs the code the run was started with.
 */
public final class EmbeddedRun {

    /** How a run tells others about its jobs (the command line records them in the version registry). */
    public interface Listener {
        /** The run's own job was submitted (not those submitted to it later: their submitter records them). */
        default void jobStarted(String jobId, URI rest, int parallelism) {}

        /** Called about every second while a job runs; may take a version of it. */
        default void tick(String jobId, URI rest, PrintWriter out) {}
    }

    private final Configuration conf;
    private final InteractionSource source;
    private final Path deadLetterDir;
    private final PrintWriter out;
    private final String savepoint;
    private final Listener listener;
    private final ProgressReport progress;
    private String jobName = FreshRecJob.JOB_NAME;
    private Graph graph = JobAssembly::build;
    private boolean interruptedWhileWaiting;

    /** Builds a job's graph on the run's environment from its settings, source and dead-letter location. */
    @FunctionalInterface
    public interface Graph {
        void build(
                StreamExecutionEnvironment env,
                Configuration settings,
                InteractionSource source,
                String deadLetterLocation);
    }

    public EmbeddedRun(Configuration conf, InteractionSource source, Path deadLetterDir, PrintWriter out) {
        this(conf, source, deadLetterDir, out, null, new Listener() {});
    }

    /**
     * @param savepoint start the job from this savepoint (null: fresh)
     */
    public EmbeddedRun(
            Configuration conf,
            InteractionSource source,
            Path deadLetterDir,
            PrintWriter out,
            String savepoint,
            Listener listener) {
        this.conf = conf;
        this.source = source;
        this.deadLetterDir = deadLetterDir;
        this.out = out;
        this.savepoint = savepoint;
        this.listener = listener;
        this.progress = new ProgressReport(out);
    }

    /**
     * Runs another graph than the job's (the bench's engine floor) under the same cluster, settings and progress
     * lines; a run following jobs submitted later still follows only FreshRec jobs.
     */
    public EmbeddedRun graph(String name, Graph other) {
        this.jobName = name;
        this.graph = other;
        return this;
    }

    /** Final figures of a run (of its last job). */
    public static final class Summary {
        public long events;
        public long deadLetters;
        public long hits;
        public long scored;
        /** Sum of prequential NDCG@10 gains (known once a bounded run has finished). */
        public double ndcgGain;
        /**
         * Distinct items of the top-10 lists the scored events were scored against, when the job tracked them
         * ({@code freshrec.eval.track-served-items}) and has finished; -1 otherwise.
         */
        public long servedItems = -1;

        public double seconds;
        /**
         * Failures the finished job recovered from (its exception history): each restarted it from its last
         * checkpoint, and its accumulated figures then cover only what came after that. 0 for a clean run.
         */
        public int restarts;
        /** The first of those failures, or null. */
        public String firstFailure;

        public double recall() {
            return scored == 0 ? 0 : (double) hits / scored;
        }

        public double ndcg() {
            return scored == 0 ? 0 : ndcgGain / scored;
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
        this.graph.build(env, conf, source, deadLetterDir.toString());
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(jobName);
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        int parallelism = env.getParallelism();
        long started = System.nanoTime();
        MiniCluster cluster = new MiniCluster(clusterConfiguration(parallelism));
        cluster.start();
        AtomicReference<JobID> current = new AtomicReference<>();
        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(
                () -> {
                    stopping.set(true);
                    cancelQuietly(cluster, current.get());
                    try {
                        // Let the run print its final line before the JVM goes.
                        reported.await(15, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "freshrec-shutdown");
        Summary summary = new Summary();
        JobStatus end = JobStatus.CANCELED;
        boolean interrupted = false;
        try {
            JobID first = cluster.submitJob(graph.getJobGraph()).get().getJobID();
            current.set(first);
            URI rest = cluster.getRestAddress().get();
            listener.jobStarted(first.toHexString(), rest, parallelism);
            Runtime.getRuntime().addShutdownHook(hook);
            int proxyPort = firstPort(conf.get(QueryableStateOptions.PROXY_PORT_RANGE));
            out.printf(
                    "FreshRec job %s started on an embedded Flink (parallelism %d, RocksDB, checkpoints, queryable state on port %d).%n",
                    first, parallelism, proxyPort);
            out.printf(
                    "Web UI and REST: %s   Dead letters: %s%n",
                    rest, JobAssembly.deadLetterTarget(conf, deadLetterDir.toString()));
            String redis = JobAssembly.redisTarget(conf);
            if (redis != null) {
                out.printf("Every recomputed list also to Redis: %s%n", redis);
            }
            if (savepoint != null) {
                out.printf("Restored from %s%n", savepoint);
            }
            out.printf(
                    "Look a user up from another terminal:  java -jar target/freshrec.jar recommend --user %d%n",
                    sampleUsers.length > 0 ? sampleUsers[0] : 1);
            out.println(
                    duration == null
                            ? "Press Ctrl-C to stop."
                            : "Running for " + duration.toSeconds() + " s (Ctrl-C stops earlier).");
            out.flush();

            FlinkRest flink = new FlinkRest(rest);
            long deadline = duration == null ? Long.MAX_VALUE : started + duration.toNanos();
            Set<JobID> followed = new HashSet<>();
            JobID job = first;
            Outcome outcome;
            while (true) {
                followed.add(job);
                current.set(job);
                outcome = follow(
                        cluster,
                        flink,
                        job,
                        rest,
                        proxyPort,
                        started,
                        deadline,
                        progressEvery,
                        sampleUsers,
                        stopping,
                        summary);
                if (outcome.kind != Outcome.Kind.STOPPED_WITH_SAVEPOINT) {
                    break;
                }
                out.printf(
                        "Job %s stopped with savepoint %s. The embedded Flink stays up for the next job "
                                + "(freshrec rollback, freshrec submit --flink-rest %s); Ctrl-C ends the run.%n",
                        job, outcome.savepoint, rest);
                out.flush();
                Optional<JobID> next = awaitNextJob(cluster, followed, deadline, stopping);
                if (next.isEmpty()) {
                    outcome = new Outcome(stopping.get() ? Outcome.Kind.STOPPED : Outcome.Kind.DEADLINE, null, null);
                    break;
                }
                job = next.get();
                out.printf("Following job %s (submitted to this embedded Flink).%n", job);
                out.flush();
            }
            interrupted = outcome.interrupted || interruptedWhileWaiting;
            if (outcome.kind == Outcome.Kind.DEADLINE) {
                out.println("Duration reached: stopping the job.");
                cancelQuietly(cluster, current.get());
            } else if (outcome.kind == Outcome.Kind.STOPPED) {
                cancelQuietly(cluster, current.get());
            } else if (outcome.kind == Outcome.Kind.ENDED) {
                JobResult result = outcome.result;
                if (!result.isSuccess()) {
                    Throwable cause = result.getSerializedThrowable()
                            .map(thrown -> (Throwable) thrown.deserializeError(EmbeddedRun.class.getClassLoader()))
                            .orElse(null);
                    if (result.getApplicationStatus() == ApplicationStatus.CANCELED) {
                        end = JobStatus.CANCELED;
                    } else {
                        throw new IllegalStateException(
                                "the job failed: "
                                        + (cause == null ? result.getApplicationStatus() : rootMessage(cause)),
                                cause);
                    }
                } else {
                    end = JobStatus.FINISHED;
                    JobExecutionResult finished = result.toJobExecutionResult(EmbeddedRun.class.getClassLoader());
                    summary.events = longAccumulator(finished, ParseFunction.ACC_EVENTS);
                    summary.deadLetters = longAccumulator(finished, ParseFunction.ACC_DEAD_LETTERS);
                    summary.hits = longAccumulator(finished, ServingFunction.ACC_HITS);
                    summary.scored = longAccumulator(finished, ServingFunction.ACC_SCORED);
                    Object gain = finished.getAccumulatorResult(ServingFunction.ACC_NDCG);
                    summary.ndcgGain = gain instanceof Number ? ((Number) gain).doubleValue() : 0.0;
                    Object served = finished.getAccumulatorResult(ServingFunction.ACC_SERVED_ITEMS);
                    summary.servedItems = served instanceof Collection ? ((Collection<?>) served).size() : -1;
                    recordRestarts(flink, current.get(), summary);
                }
            }
        } finally {
            closeUninterruptibly(cluster);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException | IllegalArgumentException notRegisteredOrShuttingDown) {
                // Ctrl-C: the hook is running (or the job never started).
            }
        }
        summary.seconds = (System.nanoTime() - started) / 1e9;
        out.printf(
                "Finished (%s) after %.1f s: %,d events (%,.0f/s), %,d dead letters, prequential recall@10 %.4f (%,d hits / %,d scored)%s.%n",
                end,
                summary.seconds,
                summary.events,
                summary.events / Math.max(summary.seconds, 1e-9),
                summary.deadLetters,
                summary.recall(),
                summary.hits,
                summary.scored,
                end == JobStatus.FINISHED ? String.format(Locale.ROOT, ", NDCG@10 %.4f", summary.ndcg()) : "");
        if (summary.restarts > 0) {
            out.printf(
                    "The job recovered from %d failure(s) (the first: %s): these totals count the events after its last "
                            + "restore from a checkpoint, not the whole input.%n",
                    summary.restarts, summary.firstFailure);
        }
        out.flush();
        reported.countDown();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return summary;
    }

    /** How following one job ended. */
    private static final class Outcome {
        enum Kind {
            ENDED,
            STOPPED_WITH_SAVEPOINT,
            DEADLINE,
            STOPPED
        }

        final Kind kind;
        final JobResult result;
        final String savepoint;
        boolean interrupted;

        Outcome(Kind kind, JobResult result, String savepoint) {
            this.kind = kind;
            this.result = result;
            this.savepoint = savepoint;
        }
    }

    /** Progress lines (and the listener's ticks) for one job until it ends, the deadline passes or the run stops. */
    private Outcome follow(
            MiniCluster cluster,
            FlinkRest flink,
            JobID job,
            URI rest,
            int proxyPort,
            long started,
            long deadline,
            Duration progressEvery,
            long[] sampleUsers,
            AtomicBoolean stopping,
            Summary summary)
            throws Exception {
        CompletableFuture<JobResult> result = cluster.requestJobResult(job);
        long nextProgress = System.nanoTime() + progressEvery.toNanos();
        progress.restart(summary);
        int tick = 0;
        try (RecommendationClient lookups =
                new RecommendationClient(conf.get(RestOptions.ADDRESS), proxyPort, rest, job, Duration.ofSeconds(2))) {
            while (!stopping.get()) {
                long now = System.nanoTime();
                long wait = Math.min(Math.min(nextProgress, deadline) - now, TimeUnit.SECONDS.toNanos(1));
                try {
                    JobResult ended = result.get(Math.max(wait, 1_000_000), TimeUnit.NANOSECONDS);
                    return ended(cluster, job, ended);
                } catch (TimeoutException stillRunning) {
                    // time for a tick, maybe a progress line
                } catch (InterruptedException e) {
                    // Stopped from inside the JVM (a test, an embedding application): as Ctrl-C.
                    stopping.set(true);
                    Outcome outcome = new Outcome(Outcome.Kind.STOPPED, null, null);
                    outcome.interrupted = true;
                    return outcome;
                }
                now = System.nanoTime();
                if (now >= nextProgress) {
                    nextProgress = now + progressEvery.toNanos();
                    tick++;
                    progress.report(flink, job.toHexString(), started, summary);
                    if (tick % 3 == 1) {
                        progress.samples(lookups, sampleUsers);
                    }
                }
                if (now >= deadline) {
                    return new Outcome(Outcome.Kind.DEADLINE, null, null);
                }
                listener.tick(job.toHexString(), rest, out);
            }
        }
        return new Outcome(Outcome.Kind.STOPPED, null, null);
    }

    /** The failures a finished job recovered from, from its exception history (REST, as the web UI shows it). */
    private void recordRestarts(FlinkRest flink, JobID job, Summary summary) {
        try {
            JsonNode entries = flink.get("jobs/" + job + "/exceptions")
                    .path("exceptionHistory")
                    .path("entries");
            summary.restarts = entries.size();
            if (entries.size() > 0) {
                // Newest first: the first failure is the last entry.
                JsonNode first = entries.get(entries.size() - 1);
                String trace = first.path("stacktrace").asText("");
                summary.firstFailure = trace.isEmpty()
                        ? first.path("exceptionName").asText("unknown")
                        : trace.lines().findFirst().orElse("");
            }
        } catch (IOException e) {
            out.println("(could not read the job's exception history: " + e.getMessage() + ")");
        }
    }

    /** A job that ended: stopped with a savepoint (the session goes on), or for good. */
    private static Outcome ended(MiniCluster cluster, JobID job, JobResult result) {
        if (result.isSuccess()) {
            Optional<String> stopSavepoint = stopSavepoint(cluster, job);
            if (stopSavepoint.isPresent()) {
                return new Outcome(Outcome.Kind.STOPPED_WITH_SAVEPOINT, result, stopSavepoint.get());
            }
        }
        return new Outcome(Outcome.Kind.ENDED, result, null);
    }

    /**
     * The savepoint a finished job was stopped with, if it was: its last completed checkpoint is a synchronous
     * savepoint (stop-with-savepoint). A bounded input that ran out finishes without one.
     */
    private static Optional<String> stopSavepoint(MiniCluster cluster, JobID job) {
        try {
            ArchivedExecutionGraph graph =
                    cluster.getArchivedExecutionGraph(job).get(10, TimeUnit.SECONDS);
            CheckpointStatsSnapshot stats = graph.getCheckpointStatsSnapshot();
            if (stats == null) {
                return Optional.empty();
            }
            CompletedCheckpointStats savepoint = stats.getHistory().getLatestSavepoint();
            CompletedCheckpointStats latest = stats.getHistory().getLatestCompletedCheckpoint();
            if (savepoint != null
                    && savepoint.getProperties().isSynchronous()
                    && (latest == null || latest.getCheckpointId() <= savepoint.getCheckpointId())) {
                return Optional.of(savepoint.getExternalPath());
            }
        } catch (Exception unknown) {
            // Treated as a plain end.
        }
        return Optional.empty();
    }

    /** Waits for a FreshRec job not followed before (a rollback or submit); empty when the run stops or time is up. */
    private Optional<JobID> awaitNextJob(
            MiniCluster cluster, Set<JobID> followed, long deadline, AtomicBoolean stopping) throws Exception {
        while (!stopping.get() && System.nanoTime() < deadline) {
            JobStatusMessage newest = null;
            for (JobStatusMessage job : cluster.listJobs().get(10, TimeUnit.SECONDS)) {
                if (FreshRecJob.JOB_NAME.equals(job.getJobName())
                        && !followed.contains(job.getJobId())
                        && (newest == null || job.getStartTime() > newest.getStartTime())) {
                    newest = job;
                }
            }
            if (newest != null) {
                return Optional.of(newest.getJobId());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                stopping.set(true);
                interruptedWhileWaiting = true;
            }
        }
        return Optional.empty();
    }

    /** The run's settings as a session cluster: parent-first class loading, uploads in FreshRec's temp directory. */
    private MiniClusterConfiguration clusterConfiguration(int parallelism) {
        Configuration cluster = new Configuration(conf);
        // A savepoint to start from belongs to the first job only, never to jobs submitted later.
        cluster.removeConfig(StateRecoveryOptions.SAVEPOINT_PATH);
        if (!cluster.contains(RestOptions.BIND_PORT)) {
            cluster.set(RestOptions.BIND_PORT, "0");
        }
        if (!cluster.contains(CoreOptions.CLASSLOADER_RESOLVE_ORDER)) {
            cluster.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, "parent-first");
        }
        if (!cluster.contains(WebOptions.UPLOAD_DIR)) {
            String tmp = conf.get(CoreOptions.TMP_DIRS);
            String first = tmp == null || tmp.isBlank() ? System.getProperty("java.io.tmpdir") : tmp.split("[,:]")[0];
            cluster.set(
                    WebOptions.UPLOAD_DIR,
                    Path.of(first, "web-upload").toAbsolutePath().toString());
        }
        int taskManagers = cluster.get(TaskManagerOptions.MINI_CLUSTER_NUM_TASK_MANAGERS);
        int slots = cluster.getOptional(TaskManagerOptions.NUM_TASK_SLOTS)
                .orElse(Math.max(1, (parallelism + taskManagers - 1) / taskManagers));
        return new MiniClusterConfiguration.Builder()
                .setConfiguration(cluster)
                .setNumTaskManagers(taskManagers)
                .setRpcServiceSharing(RpcServiceSharing.SHARED)
                .setNumSlotsPerTaskManager(slots)
                .build();
    }

    static long longAccumulator(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value instanceof Number ? ((Number) value).longValue() : 0L;
    }

    private static void cancelQuietly(MiniCluster cluster, JobID job) {
        if (job == null) {
            return;
        }
        try {
            if (!cluster.getJobStatus(job).get(5, TimeUnit.SECONDS).isGloballyTerminalState()) {
                cluster.cancelJob(job).get(20, TimeUnit.SECONDS);
                cluster.requestJobResult(job).get(30, TimeUnit.SECONDS);
            }
        } catch (Exception ignored) {
            // Shutting down anyway.
        }
    }

    /** Stops the embedded cluster and waits for it (its ports are free afterwards), even when interrupted. */
    private static void closeUninterruptibly(MiniCluster cluster) {
        boolean interrupted = Thread.interrupted();
        CompletableFuture<Void> closed = cluster.closeAsync();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!closed.isDone() && System.nanoTime() < deadline) {
            try {
                closed.get(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException e) {
                // keep waiting until done or the deadline
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
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
