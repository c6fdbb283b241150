package io.freshrec.versions;

import io.freshrec.job.MetricNames;
import io.freshrec.rest.FlinkRest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Taking model versions of a running job through its Flink REST API (embedded run or cluster alike): read
 * the job's figures, savepoint (or stop with a savepoint), record the version with what restarts it.
 */
public final class Versioning {
    /** The job metrics a version records (summed or averaged over subtasks). */
    static final List<String> METRICS = List.of(
            MetricNames.PARSE_EVENTS,
            MetricNames.SERVING_PREQUENTIAL_HITS,
            MetricNames.SERVING_PREQUENTIAL_SCORED,
            MetricNames.SERVING_RECALL_ROLLING,
            MetricNames.MODEL_GATE_MODEL_VERSION,
            MetricNames.PARSE_EVENTS_TOTAL,
            MetricNames.SERVING_PREQUENTIAL_HITS_TOTAL,
            MetricNames.SERVING_PREQUENTIAL_SCORED_TOTAL);

    /** Savepoint format: canonical restores across state backends and Flink versions; native is faster. */
    public static final String DEFAULT_FORMAT = "CANONICAL";

    private final FlinkRest rest;
    private final VersionRegistry registry;
    private final String targetDirectory;
    private final String format;
    private final Duration timeout;

    /**
     * @param targetDirectory where the cluster writes savepoints; null: its {@code state.savepoints.dir}
     * @param format CANONICAL or NATIVE
     */
    public Versioning(
            FlinkRest rest, VersionRegistry registry, String targetDirectory, String format, Duration timeout) {
        this.rest = rest;
        this.registry = registry;
        this.targetDirectory = targetDirectory;
        this.format = format;
        this.timeout = timeout;
    }

    public VersionRegistry registry() {
        return registry;
    }

    /** Savepoints the running job (it keeps running) and records a version of {@code kind}. */
    public VersionRecord take(String jobId, String kind, String note, String tag)
            throws IOException, InterruptedException {
        VersionRecord version = describe(jobId, kind, note, tag);
        long started = System.nanoTime();
        String location = rest.awaitSavepoint(jobId, rest.triggerSavepoint(jobId, targetDirectory, format), timeout);
        return record(version, location, started);
    }

    /** Stops the job with a savepoint and records it as a version of {@code kind}. */
    public VersionRecord stop(String jobId, String kind, String note, String tag)
            throws IOException, InterruptedException {
        VersionRecord version = describe(jobId, kind, note, tag);
        long started = System.nanoTime();
        String location = rest.awaitSavepoint(jobId, rest.stopWithSavepoint(jobId, targetDirectory, format), timeout);
        return record(version, location, started);
    }

    private VersionRecord record(VersionRecord version, String location, long startedNanos) {
        version.savepointMillis = (System.nanoTime() - startedNanos) / 1_000_000;
        version.savepoint = location;
        version.takenAt = Instant.now().toString();
        version.sizeBytes = SavepointFiles.size(location);
        return registry.add(version);
    }

    /**
     * The version's description before its savepoint: the job's figures now (they continue those of the
     * version the job started from) and the deployment that restarts it.
     */
    VersionRecord describe(String jobId, String kind, String note, String tag) throws IOException {
        VersionRecord version = new VersionRecord();
        version.kind = kind;
        version.jobId = jobId;
        version.flinkRest = rest.base().toString();
        version.note = note;
        version.tag = tag;
        Optional<DeploymentRecord> deployment = registry.read().deployment(jobId);
        long baseEvents = 0;
        long baseHits = 0;
        long baseScored = 0;
        Double baseRolling = null;
        if (deployment.isPresent()) {
            DeploymentRecord started = deployment.get();
            version.programArgs = started.programArgs;
            version.parallelism = started.parallelism;
            version.jar = started.jar;
            version.from = started.fromVersion;
            baseEvents = orZero(started.baseEvents);
            baseHits = orZero(started.baseHits);
            baseScored = orZero(started.baseScored);
            baseRolling = started.baseRecallRolling;
        }
        Map<String, FlinkRest.Aggregate> metrics;
        try {
            metrics = rest.metrics(jobId, METRICS);
        } catch (IOException e) {
            // The job itself answers; its metrics may not be reported yet (first seconds). Record without figures.
            metrics = Map.of();
        }
        // Jobs of this version keep the model's totals in their state (right after restores and failovers);
        // jobs of older versions only count since they started, on top of the version they started from.
        FlinkRest.Aggregate eventsTotal = metrics.get(MetricNames.PARSE_EVENTS_TOTAL);
        FlinkRest.Aggregate hitsTotal = metrics.get(MetricNames.SERVING_PREQUENTIAL_HITS_TOTAL);
        FlinkRest.Aggregate scoredTotal = metrics.get(MetricNames.SERVING_PREQUENTIAL_SCORED_TOTAL);
        FlinkRest.Aggregate events = metrics.get(MetricNames.PARSE_EVENTS);
        if (eventsTotal != null) {
            version.events = (long) eventsTotal.sum;
        } else if (events != null) {
            version.events = baseEvents + (long) events.sum;
        }
        FlinkRest.Aggregate hits = metrics.get(MetricNames.SERVING_PREQUENTIAL_HITS);
        FlinkRest.Aggregate scored = metrics.get(MetricNames.SERVING_PREQUENTIAL_SCORED);
        if (hits != null && scored != null) {
            boolean totals = hitsTotal != null && scoredTotal != null;
            version.hits = totals ? (long) hitsTotal.sum : baseHits + (long) hits.sum;
            version.scored = totals ? (long) scoredTotal.sum : baseScored + (long) scored.sum;
            version.recallTotal = version.scored == 0 ? null : (double) version.hits / version.scored;
            FlinkRest.Aggregate rolling = metrics.get(MetricNames.SERVING_RECALL_ROLLING);
            // A job restored a moment ago has scored nothing yet: its window is the version's it came from.
            version.recallRolling = scored.sum > 0 && rolling != null ? rolling.avg : baseRolling;
        }
        FlinkRest.Aggregate model = metrics.get(MetricNames.MODEL_GATE_MODEL_VERSION);
        if (model != null) {
            version.modelVersion = (long) model.max;
        }
        return version;
    }

    /**
     * Retention of automatic versions: keeps the newest {@code retain} untagged automatic versions (and every
     * tagged, manual and safety version), removes the others from the index, then deletes their savepoints.
     */
    public static List<VersionRecord> applyRetention(VersionRegistry registry, int retain) {
        List<VersionRecord> removed = registry.prune(retain);
        for (VersionRecord version : removed) {
            SavepointFiles.delete(version.savepoint);
        }
        return removed;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}
