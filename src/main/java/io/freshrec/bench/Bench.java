package io.freshrec.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.management.OperatingSystemMXBean;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.job.MetricNames;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.Recommendations;
import io.freshrec.ops.EmbeddedRun;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;

/**
 * {@code freshrec bench}: the job's throughput with RocksDB and checkpoints next to the in-memory ceiling, freshness
 * at half of that load, lookups through queryable state next to Redis, state sizes, checkpoints and restores, and
 * how they grow with users and history length. Every job is the one {@code freshrec run} starts ({@link JobRun}).
 */
public final class Bench {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final BenchOptions options;
    private final PrintWriter out;
    private final BenchResult result = new BenchResult();
    private final Path work;
    private final long startedNanos = System.nanoTime();

    public Bench(BenchOptions options, PrintWriter out) {
        this.options = options;
        this.out = out;
        this.work = options.out.toAbsolutePath().normalize().resolve("work");
    }

    /** Runs every phase, prints the table, writes bench.json and bench.png; returns the figures. */
    public BenchResult run() throws Exception {
        Files.createDirectories(options.out);
        deleteTree(work);
        Files.createDirectories(work);
        machineBefore();
        Configuration base = conf(Map.of());
        settings(base);
        result.settings.phases = new ArrayList<>(options.phases);
        try {
            if (options.phases.contains("ceiling")) {
                ceiling(base);
            }
            if (options.phases.contains("throughput")) {
                for (int parallelism : options.parallelisms) {
                    result.throughput.job.add(throughput(parallelism));
                    result.throughput.floor.add(engineFloor(parallelism));
                }
                shareOfFloor(result);
            }
            if (options.phases.contains("freshness")) {
                servingPhase();
            }
            if (options.phases.contains("growth")) {
                growth();
            }
            if (options.phases.contains("history")) {
                historyLengths();
            }
            if (options.phases.contains("soak")) {
                soak();
            }
        } finally {
            result.machine.seconds = (System.nanoTime() - startedNanos) / 1e9;
            result.machine.uptimeAfter = Uptime.text();
            result.machine.load1After = Uptime.load1();
            if (!options.keepState) {
                deleteTree(work);
            }
        }
        BenchVerdict.apply(result);
        Path json = options.out.resolve("bench.json");
        JSON.writeValue(json.toFile(), result);
        Path png = options.out.resolve("bench.png");
        BenchChart.write(result, png);
        if (options.phases.contains("soak")) {
            BenchChart.writeSoak(result, options.out.resolve("soak.png"));
        }
        BenchTable.print(result, out);
        out.printf("%nWrote %s and %s (%.0f s in all).%n", json, png, result.machine.seconds);
        out.flush();
        return result;
    }

    // ---- phases ----

    /**
     * The soak: half of the maximum load (wall-clock event times, 0.1% bad records, a fixed catalogue and user base)
     * for {@link BenchOptions#soakDuration}; every {@link BenchOptions#soakInterval} the heap after a full GC, the
     * RocksDB directories, the last checkpoint's duration and size, freshness p99, dead letters per minute and the
     * rate. Once warm ({@link BenchOptions#soakWarmup}) no series may trend upward by more than its tolerance
     * ({@link SoakTrend}): a quarter of its mean, or a floor for series near zero.
     */
    private void soak() throws Exception {
        BenchResult.JobThroughput max = result.throughput.job.stream()
                .max(Comparator.comparingInt((BenchResult.JobThroughput t) -> t.parallelism))
                .orElseThrow(() -> new IllegalStateException(
                        "the soak runs at half of the measured maximum: needs the" + " throughput phase"));
        BenchResult.Soak soak = result.soak;
        double rate = Math.max(1, Math.floor(max.eventsPerSecond / 2));
        soak.targetRate = rate;
        soak.parallelism = max.parallelism;
        soak.minutes = options.soakDuration.toMillis() / 60_000.0;
        soak.warmupMinutes = options.soakWarmup.toMillis() / 60_000.0;
        soak.badRate = 0.001;
        phase(
                "Soak: %,.0f events/s (half of the maximum, 0.1%% bad records) at parallelism %d for %s, sampled every %s,"
                        + " judged after %s",
                rate,
                max.parallelism,
                seconds(options.soakDuration),
                seconds(options.soakInterval),
                seconds(options.soakWarmup));
        Configuration conf = conf(Map.of(CoreOptions.DEFAULT_PARALLELISM.key(), Integer.toString(max.parallelism)));
        // Users and items fixed (no new item every few events): growth would be the input's, not a leak.
        SyntheticInteractions world = new SyntheticInteractions(
                options.seed,
                options.users,
                options.items,
                20,
                System.currentTimeMillis(),
                rate,
                10 * 60_000L,
                Integer.MAX_VALUE,
                soak.badRate);
        long count = (long) Math.ceil(rate * (options.soakDuration.toMillis() / 1e3 + 60));
        InteractionSource source = InteractionSource.generator(world, count, rate, true, true);
        Path tmp = work.resolve("tmp");
        try (JobRun job =
                JobRun.start("soak", conf, source, work.resolve("dead-letters"), null, out, options.progress)) {
            awaitFlowing(job);
            long begin = System.nanoTime();
            long end = begin + options.soakDuration.toNanos();
            double[] lastCount = {System.nanoTime(), job.sum(MetricNames.PARSE_EVENTS)};
            double lastDead = job.sum(MetricNames.PARSE_DEAD_LETTERS);
            while (System.nanoTime() < end) {
                sleep(job, Duration.ofNanos(Math.min(options.soakInterval.toNanos(), end - System.nanoTime())));
                BenchResult.SoakSample sample = new BenchResult.SoakSample();
                sample.minute = (System.nanoTime() - begin) / 60e9;
                double[] now = job.freshSample(MetricNames.PARSE_EVENTS);
                sample.eventsPerSecond = (now[1] - lastCount[1]) / ((now[0] - lastCount[0]) / 1e9);
                lastCount = now;
                double dead = job.sum(MetricNames.PARSE_DEAD_LETTERS);
                sample.deadLettersPerMinute = (dead - lastDead) / (options.soakInterval.toMillis() / 60_000.0);
                lastDead = dead;
                System.gc();
                sample.heapAfterGcMb =
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (double) (1 << 20);
                sample.rocksDbMb = directorySize(tmp.toString()) / (double) (1 << 20);
                List<JsonNode> completed = job.completedCheckpoints();
                JsonNode latest = completed.isEmpty() ? null : completed.get(completed.size() - 1);
                sample.checkpointSeconds = latest == null
                        ? Double.NaN
                        : latest.path("end_to_end_duration").asDouble() / 1e3;
                // The full state the checkpoint holds (an incremental checkpoint's own upload varies with compactions).
                sample.checkpointMb =
                        latest == null ? Double.NaN : latest.path("state_size").asDouble() / (1 << 20);
                var p99 = job.metric(MetricNames.SERVING_FRESHNESS_P99);
                sample.freshnessP99Ms = p99 == null || !Double.isFinite(p99.max) ? Double.NaN : p99.max;
                soak.samples.add(sample);
                out.printf(
                        Locale.ROOT,
                        "    [%4.1f min] %,.0f events/s | heap after GC %.0f MB | RocksDB %.0f MB | checkpoint %.2f s,"
                                + " %.1f MB | freshness p99 %.0f ms | dead letters %.1f/min%n",
                        sample.minute,
                        sample.eventsPerSecond,
                        sample.heapAfterGcMb,
                        sample.rocksDbMb,
                        sample.checkpointSeconds,
                        sample.checkpointMb,
                        sample.freshnessP99Ms,
                        sample.deadLettersPerMinute);
                out.flush();
            }
        }
        judgeSoak(soak);
    }

    /** The verdict of every soak series over the samples taken once warm. */
    static void judgeSoak(BenchResult.Soak soak) {
        List<BenchResult.SoakSample> warm = soak.samples.stream()
                .filter(s -> s.minute >= soak.warmupMinutes)
                .toList();
        double[] minutes = warm.stream().mapToDouble(s -> s.minute).toArray();
        record Series(
                String name,
                String unit,
                java.util.function.ToDoubleFunction<BenchResult.SoakSample> value,
                double floor) {}
        // Floors: what no one would call a trend (a few MB of heap or disk, a quarter second, 50 ms, 5 letters).
        List<Series> series = List.of(
                new Series("heap after GC", "MB", s -> s.heapAfterGcMb, 64),
                new Series("RocksDB size", "MB", s -> s.rocksDbMb, 64),
                new Series("checkpoint duration", "s", s -> s.checkpointSeconds, 0.25),
                new Series("checkpoint size", "MB", s -> s.checkpointMb, 8),
                new Series("freshness p99", "ms", s -> s.freshnessP99Ms, 50),
                new Series("dead letters", "/min", s -> s.deadLettersPerMinute, 5));
        soak.verdicts.clear();
        boolean passed = !warm.isEmpty();
        for (Series one : series) {
            SoakTrend.Verdict v = SoakTrend.judge(
                    one.name(),
                    one.unit(),
                    minutes,
                    warm.stream().mapToDouble(one.value()).toArray(),
                    0.25,
                    one.floor());
            BenchResult.SoakVerdict verdict = new BenchResult.SoakVerdict();
            verdict.series = v.series();
            verdict.unit = v.unit();
            verdict.samples = v.samples();
            verdict.first = v.first();
            verdict.last = v.last();
            verdict.mean = v.mean();
            verdict.slopePerMinute = v.slopePerMinute();
            verdict.rise = v.rise();
            verdict.allowed = v.allowed();
            verdict.holds = v.holds();
            soak.verdicts.add(verdict);
            passed &= v.holds();
        }
        soak.passed = passed;
    }

    private void ceiling(Configuration base) {
        phase(
                "Ceiling: the same model math single-threaded in memory (InMemoryModel, apply + top-N per event), %s of %s",
                seconds(options.ceilingWindow), "history length " + result.settings.historyLength);
        ModelConfig model = FreshRecOptions.modelConfig(base);
        result.throughput.ceiling = Ceiling.measure(
                world(10_000), model, options.ceilingWarmup.toMillis() / 1e3, options.ceilingWindow.toMillis() / 1e3);
        BenchResult.Ceiling updatesOnly = Ceiling.measure(
                world(10_000)::at,
                model,
                options.ceilingWarmup.toMillis() / 1e3,
                options.ceilingWindow.toMillis() / 1e3,
                false);
        result.throughput.ceiling.updatesOnlyEventsPerSecond = updatesOnly.eventsPerSecond;
        result.throughput.ceiling.updatesOnlyEventsPerCpuSecond = updatesOnly.eventsPerCpuSecond;
        out.printf(
                Locale.ROOT,
                "    %,.0f events/s, %,.0f per CPU-second (%,d events in %.1f s); model updates alone, without the top-N "
                        + "list per event: %,.0f per CPU-second%n",
                result.throughput.ceiling.eventsPerSecond,
                result.throughput.ceiling.eventsPerCpuSecond,
                result.throughput.ceiling.events,
                result.throughput.ceiling.seconds,
                result.throughput.ceiling.updatesOnlyEventsPerCpuSecond);
    }

    /** The job at its maximum throughput (see {@link #maximum}). */
    private BenchResult.JobThroughput throughput(int parallelism) throws Exception {
        phase(
                "Maximum throughput at parallelism %d: unthrottled generator, %s warm-up, then %s measured (RocksDB, checkpoints every %s)",
                parallelism, seconds(options.warmup), seconds(options.window), result.settings.checkpointInterval);
        BenchResult.JobThroughput figures = maximum("p" + parallelism, parallelism, null, null);
        printThroughput("p" + parallelism, figures);
        return figures;
    }

    /**
     * The engine floor at the job's maximum throughput: the same source, parse and watermarks, one keyBy(user) with a
     * RocksDB ValueState read-modify-write per event, the same settings and measurement ({@link EngineFloor}).
     */
    private BenchResult.JobThroughput engineFloor(int parallelism) throws Exception {
        phase(
                "Engine floor at parallelism %d: the same source and parse, one keyed RocksDB ValueState update per event, "
                        + "%s warm-up, then %s measured (checkpoints every %s)",
                parallelism, seconds(options.warmup), seconds(options.window), result.settings.checkpointInterval);
        BenchResult.JobThroughput figures =
                maximum("floor-p" + parallelism, parallelism, EngineFloor.JOB_NAME, EngineFloor::build);
        printThroughput("floor p" + parallelism, figures);
        return figures;
    }

    /** Each job row's rate as a share of the engine floor's at the same parallelism. */
    static void shareOfFloor(BenchResult r) {
        for (BenchResult.JobThroughput job : r.throughput.job) {
            for (BenchResult.JobThroughput floor : r.throughput.floor) {
                if (floor.parallelism == job.parallelism && floor.eventsPerSecond > 0) {
                    job.floorEventsPerSecond = floor.eventsPerSecond;
                    job.percentOfFloor = 100 * job.eventsPerSecond / floor.eventsPerSecond;
                }
            }
        }
    }

    /**
     * The unthrottled generator: the rate over a window that starts after the warm-up and the first completed
     * checkpoint, and lasts until at least one checkpoint triggered inside it has completed.
     *
     * @param graph null: the job; otherwise another graph on the same source (the engine floor)
     */
    private BenchResult.JobThroughput maximum(String label, int parallelism, String jobName, EmbeddedRun.Graph graph)
            throws Exception {
        Configuration conf = conf(Map.of(CoreOptions.DEFAULT_PARALLELISM.key(), Integer.toString(parallelism)));
        InteractionSource source = InteractionSource.generator(world(10_000), Long.MAX_VALUE, 0, false, false);
        BenchResult.JobThroughput figures = new BenchResult.JobThroughput();
        figures.parallelism = parallelism;
        try (JobRun job = JobRun.start(
                label, conf, source, work.resolve("dead-letters"), null, out, options.progress, jobName, graph)) {
            awaitFlowing(job);
            sleep(job, options.warmup);
            // Under backpressure an aligned checkpoint waits behind the buffered records: allow for slow ones.
            long limit = System.nanoTime()
                    + options.window.toNanos()
                    + Math.max(
                            TimeUnit.SECONDS.toNanos(90),
                            6 * checkpointInterval().toNanos());
            job.awaitCheckpointAfter(0, Duration.ofNanos(Math.max(0, limit - System.nanoTime())));
            double[] from = job.freshSample(MetricNames.PARSE_EVENTS);
            long fromMs = System.currentTimeMillis();
            long cpuFrom = processCpuNanos();
            sleep(job, options.window);
            List<JsonNode> inWindow = checkpointsSince(job, fromMs);
            while (inWindow.isEmpty() && System.nanoTime() < limit) {
                sleep(job, Duration.ofMillis(250));
                inWindow = checkpointsSince(job, fromMs);
            }
            double[] to = job.freshSample(MetricNames.PARSE_EVENTS);
            long cpuTo = processCpuNanos();
            figures.windowSeconds = (to[0] - from[0]) / 1e9;
            figures.events = (long) (to[1] - from[1]);
            figures.eventsPerSecond = figures.events / figures.windowSeconds;
            double ceiling = result.throughput.ceiling.eventsPerSecond;
            figures.percentOfCeiling = ceiling > 0 ? 100 * figures.eventsPerSecond / ceiling : 0;
            figures.checkpoints = checkpoints(checkpointsSince(job, fromMs));
            figures.cpuSeconds = (cpuTo - cpuFrom) / 1e9;
            figures.coresUsed = figures.cpuSeconds / figures.windowSeconds;
            figures.eventsPerCpuSecond = figures.cpuSeconds > 0 ? figures.events / figures.cpuSeconds : 0;
            double perCpu = result.throughput.ceiling.eventsPerCpuSecond;
            figures.percentOfCeilingPerCpuSecond = perCpu > 0 ? 100 * figures.eventsPerCpuSecond / perCpu : 0;
        }
        loadSample();
        return figures;
    }

    private void printThroughput(String label, BenchResult.JobThroughput figures) {
        out.printf(
                Locale.ROOT,
                "    %s: %,.0f events/s over %.1f s (%.1f%% of the ceiling); %.2f cores busy, %,.0f events per CPU-second "
                        + "(%.1f%% of the ceiling's); %d checkpoints in the window, %.0f ms mean, %s state%n",
                label,
                figures.eventsPerSecond,
                figures.windowSeconds,
                figures.percentOfCeiling,
                figures.coresUsed,
                figures.eventsPerCpuSecond,
                figures.percentOfCeilingPerCpuSecond,
                figures.checkpoints.completed,
                figures.checkpoints.durationMsMean,
                bytes((long) figures.checkpoints.stateBytesMean));
    }

    /** CPU time of this JVM: the embedded Flink runs in it. */
    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static List<JsonNode> checkpointsSince(JobRun job, long fromMs) throws IOException, InterruptedException {
        List<JsonNode> since = new ArrayList<>();
        for (JsonNode checkpoint : job.completedCheckpoints()) {
            if (checkpoint.path("trigger_timestamp").asLong() >= fromMs) {
                since.add(checkpoint);
            }
        }
        return since;
    }

    /** Waits until the job runs and its first events have passed parse (a loaded machine takes a while). */
    private static void awaitFlowing(JobRun job) throws Exception {
        job.awaitRunning(Duration.ofMinutes(5));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (job.sum(MetricNames.PARSE_EVENTS) <= 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no event reached the job within 5 minutes");
            }
            sleep(job, Duration.ofMillis(200));
        }
    }

    private Duration checkpointInterval() {
        return conf(Map.of())
                .getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                .orElse(Duration.ofSeconds(10));
    }

    /**
     * Freshness at half of the maximum load, then on the state that run leaves (its input ended, the job idle):
     * state sizes and a checkpoint, lookups through queryable state and Redis, a savepoint and a restore.
     */
    private void servingPhase() throws Exception {
        BenchResult.JobThroughput max = result.throughput.job.stream()
                .max(Comparator.comparingInt((BenchResult.JobThroughput t) -> t.parallelism))
                .orElseThrow();
        double rate = Math.max(1, Math.floor(max.eventsPerSecond / 2));
        // Enough input for the warm-up and the window, counted from the first event, plus a little.
        Duration total = options.freshnessWarmup.plus(options.freshnessWindow).plusSeconds(5);
        long count = (long) Math.ceil(rate * total.toMillis() / 1e3);
        phase(
                "Freshness at half of the maximum load: %,.0f events/s (wall-clock event times) at parallelism %d, %s warm-up, %s measured",
                rate, max.parallelism, seconds(options.freshnessWarmup), seconds(options.freshnessWindow));
        Configuration conf = conf(Map.of(CoreOptions.DEFAULT_PARALLELISM.key(), Integer.toString(max.parallelism)));
        SyntheticInteractions world = SyntheticInteractions.defaults(
                options.seed, options.users, options.items, rate, System.currentTimeMillis());
        InteractionSource source = InteractionSource.generator(world, count, rate, true, true);
        BenchResult.Freshness freshness = result.freshness;
        freshness.targetRate = rate;
        freshness.parallelism = max.parallelism;
        BenchResult.State state = result.state;
        String savepoint;
        long[] keys;
        try (JobRun job =
                JobRun.start("fresh", conf, source, work.resolve("dead-letters"), null, out, options.progress)) {
            awaitFlowing(job);
            sleep(job, options.freshnessWarmup);
            double[] from = job.freshSample(MetricNames.PARSE_EVENTS);
            long end = System.nanoTime() + options.freshnessWindow.toNanos();
            double p50Sum = 0;
            while (System.nanoTime() < end) {
                sleep(
                        job,
                        Duration.ofNanos(Math.min(TimeUnit.SECONDS.toNanos(5), Math.max(0, end - System.nanoTime()))));
                var p50 = job.metric(MetricNames.SERVING_FRESHNESS_MEDIAN);
                var p99 = job.metric(MetricNames.SERVING_FRESHNESS_P99);
                var samples = job.metric(MetricNames.SERVING_FRESHNESS_COUNT);
                if (p50 != null && p99 != null && Double.isFinite(p50.max) && Double.isFinite(p99.max)) {
                    freshness.snapshots++;
                    p50Sum += p50.max;
                    freshness.p99Ms = Math.max(freshness.p99Ms, p99.max);
                    freshness.samples = samples == null ? 0 : (long) samples.sum;
                }
            }
            double[] to = job.freshSample(MetricNames.PARSE_EVENTS);
            freshness.achievedRate = (to[1] - from[1]) / ((to[0] - from[0]) / 1e9);
            freshness.p50Ms = freshness.snapshots == 0 ? Double.NaN : p50Sum / freshness.snapshots;
            out.printf(
                    Locale.ROOT,
                    "    freshness p50 %.0f ms, p99 %.0f ms at %,.0f events/s (%d snapshots of serving's histogram)%n",
                    freshness.p50Ms,
                    freshness.p99Ms,
                    freshness.achievedRate,
                    freshness.snapshots);

            // The input ends (the job stays up); the state it leaves behind.
            awaitEvents(job, MetricNames.PARSE_EVENTS, count);
            JsonNode checkpoint = job.awaitCheckpointAfter(System.currentTimeMillis(), Duration.ofMinutes(5));
            state.events = count;
            state.users = (long) job.settledSum(MetricNames.SERVING_USERS, Duration.ofSeconds(60));
            state.items = (long) job.sum(MetricNames.ITEM_MODEL_ITEMS);
            state.checkpointDurationMs = checkpoint.path("end_to_end_duration").asDouble();
            state.checkpointBytes = checkpoint.path("state_size").asLong();
            state.checkpointedBytes = checkpoint.path("checkpointed_size").asLong();
            state.bytesByOperator = job.stateByVertex(checkpoint.path("id").asLong());
            state.bytesPerUser = perUser(state.bytesByOperator, state.users);
            state.bytesPerItem = perItem(state.bytesByOperator, state.items);
            out.printf(
                    Locale.ROOT,
                    "    state: %,d users, %,d items; checkpoint %s in %.0f ms; %.0f B per user, %.0f B per item%n",
                    state.users,
                    state.items,
                    bytes(state.checkpointBytes),
                    state.checkpointDurationMs,
                    state.bytesPerUser,
                    state.bytesPerItem);

            keys = lookups(job);

            phase("Savepoint (stop with savepoint, canonical format) of %,d users", state.users);
            long started = System.nanoTime();
            savepoint = job.stopWithSavepoint(work.resolve("savepoints").toUri().toString());
            state.savepointSeconds = (System.nanoTime() - started) / 1e9;
            state.savepointBytes = directorySize(savepoint);
            out.printf(Locale.ROOT, "    %.1f s, %s%n", state.savepointSeconds, bytes(state.savepointBytes));
        }
        loadSample();
        phase("Restore from that savepoint: from the job's submission until a lookup answers");
        state.restoreSeconds = restore("restore", conf, source, savepoint, keys[0]);
        out.printf(Locale.ROOT, "    %.1f s%n", state.restoreSeconds);
    }

    /** Lookups on the job's state: queryable state and Redis, one client and several; returns the keys used. */
    private long[] lookups(JobRun job) throws Exception {
        BenchResult.LookupFigures figures = result.lookups;
        phase(
                "Lookups: queryable state, Redis (redis-server started by the bench) and the HTTP gateway, the same %,d users' lists",
                result.state.users);
        long[] candidates = new long[options.users];
        for (int i = 0; i < candidates.length; i++) {
            candidates[i] = i + 1;
        }
        URI rest = job.rest().base();
        String host = "localhost";
        List<Recommendations> lists = Lookups.served(host, proxyPort(), rest, job.jobId(), candidates);
        if (lists.isEmpty()) {
            throw new IllegalStateException("no user has a served list");
        }
        List<Long> shuffled = new ArrayList<>();
        lists.forEach(list -> shuffled.add(list.userId));
        Collections.shuffle(shuffled, new Random(options.seed));
        long[] keys = shuffled.stream().mapToLong(Long::longValue).toArray();
        figures.keys = keys.length;
        figures.conditions =
                "job idle (its input ended), clients in the job's JVM, the gateway in a JVM of its own, loopback";
        try (RedisServer redis = RedisServer.start(options.portBase + 79, work.resolve("redis"))) {
            figures.redisVersion = redis.version();
            figures.valueBytesMean = Lookups.writeToRedis(redis, lists);
            Lookups.Clients queryable = Lookups.queryableState(host, proxyPort(), rest, job.jobId());
            Lookups.Clients redisClients = Lookups.redis(redis);
            // The gateway as it is deployed: a process of its own (its log in the bench's work directory).
            try (GatewayProcess gateway = GatewayProcess.start(
                    BENCH_TOKEN, host, proxyPort(), rest, job.jobId(), work.resolve("gateway.log"))) {
                Lookups.Clients gatewayClients =
                        Lookups.gateway(URI.create("http://127.0.0.1:" + gateway.port()), BENCH_TOKEN);
                // A fresh JVM: warmed up first (as a deployed gateway is), so that its JIT compiles are not measured.
                int warmUp = Math.min(5_000, options.lookupsPerClient);
                out.printf(
                        Locale.ROOT,
                        "    gateway: warming its JVM up (%,d lookups, not measured)%n",
                        warmUp * options.clients);
                out.flush();
                Lookups.measure(gatewayClients, options.clients, keys, warmUp);
                for (int clients : List.of(1, options.clients)) {
                    int perClient =
                            clients == 1 ? options.lookupsPerClient : Math.max(1, options.lookupsPerClient / clients);
                    figures.queryableState.add(
                            report("queryable state", Lookups.measure(queryable, clients, keys, perClient)));
                    figures.redis.add(report(
                            "Redis " + figures.redisVersion, Lookups.measure(redisClients, clients, keys, perClient)));
                    figures.gateway.add(report("gateway", Lookups.measure(gatewayClients, clients, keys, perClient)));
                }
            }
        }
        return keys;
    }

    /** The bench's own client of its gateway: a random token that lives in this run only, never printed. */
    private static final String BENCH_TOKEN = java.util.UUID.randomUUID() + "-" + java.util.UUID.randomUUID();

    private BenchResult.Latency report(String what, BenchResult.Latency latency) {
        out.printf(
                Locale.ROOT,
                "    %-16s %d client%s: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, %,.0f lookups/s (%,d lookups)%n",
                what,
                latency.clients,
                latency.clients == 1 ? " " : "s",
                latency.p50Ms,
                latency.p99Ms,
                latency.p999Ms,
                latency.perSecond,
                latency.lookups);
        out.flush();
        return latency;
    }

    /** State growth: users created in turn ({@link UserSweep}), each level continuing the previous level's savepoint. */
    private void growth() throws Exception {
        BenchResult.Growth growth = result.growth;
        growth.eventsPerUser = options.growthEventsPerUser;
        double rate = result.throughput.job.stream()
                .mapToDouble(t -> t.eventsPerSecond)
                .max()
                .orElse(1000);
        phase(
                "State growth: %s users, %d event%s per user, each level restored from the previous one's savepoint "
                        + "(levels estimated to exceed %s in all are skipped; the first estimate at ~%,.0f events/s)",
                options.growthUsers,
                growth.eventsPerUser,
                growth.eventsPerUser == 1 ? "" : "s",
                seconds(options.growthBudget),
                rate);
        Configuration conf = conf(Map.of());
        UserSweep sweep = new UserSweep(world(10_000), growth.eventsPerUser);
        long previous = 0;
        String savepoint = null;
        BenchResult.GrowthLevel last = null;
        long started = System.nanoTime();
        for (long target : options.growthUsers) {
            long events = (target - previous) * growth.eventsPerUser;
            // The previous level's own rate predicts the next best (users in turn run faster than the random stream).
            double levelRate = last != null && Double.isFinite(last.eventsPerSecond) && last.eventsPerSecond > 0
                    ? last.eventsPerSecond
                    : rate;
            double estimate = events / levelRate
                    + 30
                    + (last == null ? 0 : 2 * last.savepointSeconds * target / Math.max(1, previous));
            double spent = (System.nanoTime() - started) / 1e9;
            if (spent + estimate > options.growthBudget.toSeconds()) {
                String note = String.format(
                        Locale.ROOT,
                        "%,d users skipped: about %.0f s more at %,.0f events/s, over the %s budget "
                                + "(raise --growth-budget)",
                        target,
                        estimate,
                        levelRate,
                        seconds(options.growthBudget));
                growth.skipped.add(note);
                out.println("    " + note);
                break;
            }
            long count = target * growth.eventsPerUser;
            BenchResult.GrowthLevel level = new BenchResult.GrowthLevel();
            level.usersTarget = target;
            out.printf(
                    Locale.ROOT,
                    "  %,d users (%,d events)%s%n",
                    target,
                    count,
                    savepoint == null ? "" : ", from the previous level's savepoint");
            try (JobRun job = JobRun.start(
                    String.format(Locale.ROOT, "%dk", target / 1000),
                    conf,
                    sweep.source(count),
                    work.resolve("dead-letters"),
                    savepoint,
                    out,
                    options.progress)) {
                if (last != null) {
                    last.restoreSeconds = awaitLookup(job, 1);
                    out.printf(
                            Locale.ROOT,
                            "    restore of the %,d-user state: %.1f s%n",
                            last.users,
                            last.restoreSeconds);
                }
                Finite run = finite(job, previous * growth.eventsPerUser, count);
                level.events = count;
                level.eventsPerSecond = run.eventsPerSecond;
                level.users = run.users;
                level.items = run.items;
                level.checkpointDurationMs =
                        run.checkpoint.path("end_to_end_duration").asDouble();
                level.checkpointBytes = run.checkpoint.path("state_size").asLong();
                level.bytesByOperator = run.byOperator;
                level.bytesPerUser = perUser(level.bytesByOperator, level.users);
                level.bytesPerItem = perItem(level.bytesByOperator, level.items);
                long[] keys = new Random(options.seed)
                        .longs(Math.min(options.lookupsPerClient, 5_000), 1, target + 1)
                        .toArray();
                level.lookups = Lookups.measure(
                        Lookups.queryableState(
                                "localhost", proxyPort(), job.rest().base(), job.jobId()),
                        1,
                        keys,
                        keys.length);
                long saving = System.nanoTime();
                savepoint =
                        job.stopWithSavepoint(work.resolve("savepoints").toUri().toString());
                level.savepointSeconds = (System.nanoTime() - saving) / 1e9;
                level.savepointBytes = directorySize(savepoint);
            }
            out.printf(
                    Locale.ROOT,
                    "    %,d users, %,d items: %s events/s; checkpoint %s in %.0f ms; %.0f B per user; "
                            + "lookup p99 %.3f ms; savepoint %s in %.1f s%n",
                    level.users,
                    level.items,
                    rate(level.eventsPerSecond),
                    bytes(level.checkpointBytes),
                    level.checkpointDurationMs,
                    level.bytesPerUser,
                    level.lookups.p99Ms,
                    bytes(level.savepointBytes),
                    level.savepointSeconds);
            if (last != null && level.users > last.users) {
                long before =
                        operator(last.bytesByOperator, "user-history") + operator(last.bytesByOperator, "serving");
                long now = operator(level.bytesByOperator, "user-history") + operator(level.bytesByOperator, "serving");
                level.marginalBytesPerUser = (double) (now - before) / (level.users - last.users);
            }
            growth.levels.add(level);
            deletePreviousSavepoints(savepoint);
            last = level;
            previous = target;
            loadSample();
        }
        if (last != null) {
            last.restoreSeconds =
                    restore("restore", conf, sweep.source(last.usersTarget * growth.eventsPerUser), savepoint, 1);
            out.printf(Locale.ROOT, "    restore of the %,d-user state: %.1f s%n", last.users, last.restoreSeconds);
        }
    }

    /**
     * Throughput and bytes per user by history length: the same users created in turn, each with twice the longest
     * history's events, so every history is full; the in-memory ceiling on the same stream.
     */
    private void historyLengths() throws Exception {
        int parallelism = result.throughput.job.stream()
                .mapToInt(t -> t.parallelism)
                .max()
                .orElse(2);
        int eventsPerUser = 2
                * options.historyLengths.stream()
                        .mapToInt(Integer::intValue)
                        .max()
                        .orElse(8);
        long users = Math.max(1, options.historyEvents / eventsPerUser);
        long count = users * eventsPerUser;
        UserSweep sweep = new UserSweep(world(10_000), eventsPerUser);
        for (int length : options.historyLengths) {
            phase(
                    "History length %d: %,d users with %d events each (%,d events) at parallelism %d",
                    length, users, eventsPerUser, count, parallelism);
            BenchResult.HistoryLength row = new BenchResult.HistoryLength();
            row.historyLength = length;
            row.eventsPerUser = eventsPerUser;
            Configuration conf = conf(Map.of(
                    FreshRecOptions.HISTORY_LENGTH.key(),
                    Integer.toString(length),
                    CoreOptions.DEFAULT_PARALLELISM.key(),
                    Integer.toString(parallelism)));
            try (JobRun job = JobRun.start(
                    "h" + length,
                    conf,
                    sweep.source(count),
                    work.resolve("dead-letters"),
                    null,
                    out,
                    options.progress)) {
                Finite run = finite(job, 0, count);
                row.eventsPerSecond = run.eventsPerSecond;
                row.users = run.users;
                row.userHistoryBytes = operator(run.byOperator, "user-history");
                row.bytesPerUser = run.users == 0 ? 0 : (double) row.userHistoryBytes / run.users;
                row.checkpointBytes = run.checkpoint.path("state_size").asLong();
                row.checkpointDurationMs =
                        run.checkpoint.path("end_to_end_duration").asDouble();
            }
            loadSample();
            row.ceilingEventsPerSecond = Ceiling.measure(
                            sweep::at,
                            FreshRecOptions.modelConfig(conf),
                            options.ceilingWarmup.toMillis() / 1e3,
                            options.ceilingWindow.toMillis() / 1e3,
                            true)
                    .eventsPerSecond;
            out.printf(
                    Locale.ROOT,
                    "    history length %d: %s events/s (ceiling on the same stream %,.0f); %.0f B per user, user-history %s%n",
                    length,
                    rate(row.eventsPerSecond),
                    row.ceilingEventsPerSecond,
                    row.bytesPerUser,
                    bytes(row.userHistoryBytes));
            result.historyLength.add(row);
        }
    }

    /** What a finite input left: its rate, the first checkpoint after it ended, the state by operator, users and items. */
    private static final class Finite {
        double eventsPerSecond;
        JsonNode checkpoint;
        Map<String, Long> byOperator;
        long users;
        long items;
    }

    /**
     * Follows a job whose source ends after {@code count} events in all (a restored job continues from {@code
     * restored}): the rate from all its tasks running until every task's input watermark is the end of time (the
     * source sends it after its last record, so every operator has processed every event), then the first
     * checkpoint triggered after that (it holds every event's effect).
     */
    private Finite finite(JobRun job, long restored, long count) throws Exception {
        job.awaitRunning(Duration.ofMinutes(5));
        long started = System.nanoTime();
        Finite run = new Finite();
        awaitEvents(job, MetricNames.PARSE_EVENTS_TOTAL, count);
        long stalledSince = System.nanoTime();
        while (job.lowestInputWatermark() != Long.MAX_VALUE) {
            job.check();
            if (System.nanoTime() - stalledSince > TimeUnit.MINUTES.toNanos(10)) {
                throw new IllegalStateException("the input's end did not reach every operator within 10 minutes");
            }
            Thread.sleep(100);
        }
        run.eventsPerSecond = (count - restored) / ((System.nanoTime() - started) / 1e9);
        run.checkpoint = job.awaitCheckpointAfter(System.currentTimeMillis(), Duration.ofMinutes(10));
        run.byOperator = job.stateByVertex(run.checkpoint.path("id").asLong());
        run.users = (long) job.sum(MetricNames.SERVING_USERS);
        run.items = (long) job.sum(MetricNames.ITEM_MODEL_ITEMS);
        return run;
    }

    static String rate(double eventsPerSecond) {
        return Double.isFinite(eventsPerSecond) ? String.format(Locale.ROOT, "%,.0f", eventsPerSecond) : "-";
    }

    // ---- helpers ----

    /** Restores the job from a savepoint; seconds from its submission until {@code user}'s list is served. */
    private double restore(String label, Configuration conf, InteractionSource source, String savepoint, long user)
            throws Exception {
        try (JobRun job =
                JobRun.start(label, conf, source, work.resolve("dead-letters"), savepoint, out, options.progress)) {
            return awaitLookup(job, user);
        } finally {
            loadSample();
        }
    }

    /** Seconds from the job's submission until a lookup of {@code user} answers with a list. */
    private double awaitLookup(JobRun job, long user) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        try (RecommendationClient client = new RecommendationClient(
                "localhost", proxyPort(), job.rest().base(), JobID.fromHexString(job.jobId()), Duration.ofSeconds(5))) {
            while (System.nanoTime() < deadline) {
                job.check();
                try {
                    Optional<Recommendations> list = client.recommendations(user);
                    if (list.isPresent()) {
                        return (System.nanoTime() - job.submittedNanos()) / 1e9;
                    }
                } catch (LookupException notYet) {
                    // still restoring
                }
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("no lookup answered within 10 minutes of the restore");
    }

    /** Waits until the metric reached {@code count} (the generator's input ended); returns when and its value. */
    private static double[] awaitEvents(JobRun job, String metric, long count) throws Exception {
        double value = job.sum(metric);
        long stalledSince = System.nanoTime();
        double last = value;
        while (value < count) {
            job.check();
            Thread.sleep(100);
            value = job.sum(metric);
            if (value != last) {
                last = value;
                stalledSince = System.nanoTime();
            } else if (System.nanoTime() - stalledSince > TimeUnit.MINUTES.toNanos(2)) {
                throw new IllegalStateException(
                        String.format(Locale.ROOT, "no progress for 2 minutes at %,.0f of %,d events", value, count));
            }
        }
        return new double[] {System.nanoTime(), value};
    }

    private static BenchResult.Checkpoints checkpoints(List<JsonNode> completed) {
        BenchResult.Checkpoints figures = new BenchResult.Checkpoints();
        figures.completed = completed.size();
        for (JsonNode checkpoint : completed) {
            double duration = checkpoint.path("end_to_end_duration").asDouble();
            figures.durationMsMean += duration / completed.size();
            figures.durationMsMax = Math.max(figures.durationMsMax, duration);
            figures.stateBytesMean += checkpoint.path("state_size").asDouble() / completed.size();
            figures.checkpointedBytesMean +=
                    checkpoint.path("checkpointed_size").asDouble() / completed.size();
        }
        return figures;
    }

    /** The state of the operator whose vertex name starts with {@code uid} (0 when none). */
    static long operator(Map<String, Long> byVertex, String uid) {
        return byVertex.entrySet().stream()
                .filter(e -> e.getKey().startsWith(uid))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    static double perUser(Map<String, Long> byVertex, long users) {
        return users == 0 ? 0 : (double) (operator(byVertex, "user-history") + operator(byVertex, "serving")) / users;
    }

    static double perItem(Map<String, Long> byVertex, long items) {
        return items == 0 ? 0 : (double) operator(byVertex, "item-model") / items;
    }

    private SyntheticInteractions world(double syntheticRate) {
        return SyntheticInteractions.defaults(
                options.seed, options.users, options.items, syntheticRate, 1_700_000_000_000L);
    }

    /** config.yaml plus the bench's ports and directories, the user's -D settings, then {@code phase}'s. */
    private Configuration conf(Map<String, String> phase) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(RestOptions.BIND_PORT.key(), Integer.toString(options.portBase + 81));
        settings.put("queryable-state.proxy.ports", Integer.toString(proxyPort()));
        settings.put("queryable-state.server.ports", Integer.toString(options.portBase + 67));
        settings.put(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(),
                work.resolve("checkpoints").toUri().toString());
        settings.put(
                CheckpointingOptions.SAVEPOINT_DIRECTORY.key(),
                work.resolve("savepoints").toUri().toString());
        settings.put(CoreOptions.TMP_DIRS.key(), work.resolve("tmp").toString());
        settings.put("freshrec.versions.interval", "0 s");
        settings.putAll(options.overrides);
        settings.putAll(phase);
        return FlinkSettings.load(options.flinkConf, settings, Path.of("").toAbsolutePath());
    }

    private int proxyPort() {
        return options.portBase + 69;
    }

    private void settings(Configuration conf) {
        BenchResult.Settings s = result.settings;
        s.quick = options.quick;
        s.users = options.users;
        s.items = options.items;
        s.historyLength = FreshRecOptions.modelConfig(conf).historyLength;
        s.checkpointInterval = conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                .map(d -> seconds(d))
                .orElse("off");
        s.stateBackend = conf.get(StateBackendOptions.STATE_BACKEND);
        s.incrementalCheckpoints = conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS);
        s.watermarkOutOfOrdernessMs = conf.get(FreshRecOptions.OUT_OF_ORDERNESS).toMillis();
        s.autoWatermarkIntervalMs =
                conf.get(PipelineOptions.AUTO_WATERMARK_INTERVAL).toMillis();
        s.warmupSeconds = options.warmup.toMillis() / 1e3;
        s.windowSeconds = options.window.toMillis() / 1e3;
    }

    private void machineBefore() {
        BenchResult.Machine m = result.machine;
        m.cores = Runtime.getRuntime().availableProcessors();
        m.java = System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
        m.startedAt = Instant.now().toString();
        m.uptimeBefore = Uptime.text();
        m.load1Before = Uptime.load1();
        m.load1Max = m.load1Before;
        out.printf(
                Locale.ROOT,
                "FreshRec bench%s: %d cores, %s; load: %s%n",
                options.quick ? " (quick)" : "",
                m.cores,
                m.java,
                m.uptimeBefore);
        out.flush();
    }

    /** After each job: the load average, and its retained checkpoints deleted (growth makes them large). */
    private void loadSample() throws IOException {
        result.machine.load1Max = Math.max(result.machine.load1Max, Uptime.load1());
        deleteTree(work.resolve("checkpoints"));
    }

    private void phase(String format, Object... args) {
        out.printf(Locale.ROOT, "[%5.0fs] " + format + "%n", prepend((System.nanoTime() - startedNanos) / 1e9, args));
        out.flush();
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    /** Sleeps, checking each second that the job still runs (its progress lines show meanwhile). */
    private static void sleep(JobRun job, Duration duration) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        while (true) {
            job.check();
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 1000));
        }
    }

    static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0
                ? duration.toSeconds() + " s"
                : String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1e3);
    }

    static String bytes(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }

    private static long directorySize(String location) throws IOException {
        Path path = Path.of(URI.create(
                location.contains(":/") ? location : Path.of(location).toUri().toString()));
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(file -> file.toFile().length())
                    .sum();
        }
    }

    /** Growth savepoints are large: keep only the newest. */
    private void deletePreviousSavepoints(String keep) throws IOException {
        Path keepPath = Path.of(URI.create(keep));
        Path dir = work.resolve("savepoints");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> savepoints = Files.list(dir)) {
            for (Path savepoint : (Iterable<Path>) savepoints::iterator) {
                if (!savepoint.equals(keepPath)) {
                    deleteTree(savepoint);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }
}
