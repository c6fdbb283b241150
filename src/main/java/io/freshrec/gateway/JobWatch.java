package io.freshrec.gateway;

import io.freshrec.job.FreshRecJob;
import io.freshrec.ops.JobFigures;
import io.freshrec.rest.FlinkRest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The running job as the gateway sees it, read from Flink's REST API every poll interval on one thread of its own (so
 * a slow or dead JobManager delays the figures, never a request): which job runs, its headline figures, its dead
 * letters by reason, and a bounded timeline of them for the dashboard, with the time each model version was first
 * seen.
 */
final class JobWatch implements AutoCloseable {
    /** One reading: when, the job (null: none running), its figures (null: none yet) and dead letters by reason. */
    record Sample(long at, String jobId, JobFigures figures, Map<String, Long> deadLettersByReason) {}

    /** A model version and when the gateway first saw it, with the quality then. */
    record VersionSeen(long version, long seenAt, double recallRolling, double ndcgRolling) {}

    private static final String REASON_GROUP = ".deadLetterReason.";

    private final FlinkRest rest;
    private final String fixedJobId;
    private final int capacity;
    private final ScheduledExecutorService poller;
    private final ArrayDeque<Sample> timeline = new ArrayDeque<>();
    private final ArrayDeque<VersionSeen> versions = new ArrayDeque<>();
    private volatile Sample latest = new Sample(0, null, null, Map.of());
    private volatile String problem = "not polled yet";

    /**
     * @param rest the Flink REST API (used by the polling thread only: FlinkRest is not thread-safe)
     * @param fixedJobId a job id to watch, or null for the running job named {@value FreshRecJob#JOB_NAME}
     * @param interval how often to poll
     * @param keep how long a timeline to keep
     */
    JobWatch(FlinkRest rest, String fixedJobId, Duration interval, Duration keep) {
        this.rest = rest;
        this.fixedJobId = fixedJobId;
        this.capacity = (int) Math.max(2, keep.toMillis() / Math.max(1, interval.toMillis()));
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "gateway-job-watch");
            thread.setDaemon(true);
            return thread;
        });
        // The first reading before the gateway answers anything, so that a job already running is served at once.
        poll();
        poller.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The running job's id, if the last poll found one. */
    Optional<String> runningJob() {
        return Optional.ofNullable(latest.jobId());
    }

    /** Why no job is known to run (the last poll's problem), for 503 answers. */
    String problem() {
        return problem;
    }

    Sample latest() {
        return latest;
    }

    /** The kept samples taken at or after {@code sinceMillis} (epoch ms; 0: all of them), oldest first. */
    synchronized List<Sample> timeline(long sinceMillis) {
        List<Sample> out = new ArrayList<>();
        for (Sample sample : timeline) {
            if (sample.at() >= sinceMillis) {
                out.add(sample);
            }
        }
        return out;
    }

    synchronized List<VersionSeen> versions() {
        return new ArrayList<>(versions);
    }

    private void poll() {
        long now = System.currentTimeMillis();
        try {
            String job = fixedJobId;
            if (job == null) {
                job = rest.findRunningJob(FreshRecJob.JOB_NAME).orElse(null);
            } else if (!"RUNNING".equals(rest.jobStatus(job))) {
                job = null;
            }
            if (job == null) {
                problem = fixedJobId == null
                        ? "no running '" + FreshRecJob.JOB_NAME + "' job at " + rest.base()
                        : "job " + fixedJobId + " is not running";
                record(new Sample(now, null, null, Map.of()));
                return;
            }
            JobFigures figures = JobFigures.of(rest.metrics(job, JobFigures.METRICS));
            Map<String, Long> reasons = new TreeMap<>();
            List<String> reasonIds = rest.metricIdsContaining(job, REASON_GROUP);
            if (!reasonIds.isEmpty()) {
                rest.metrics(job, reasonIds)
                        .forEach((id, value) -> reasons.merge(
                                id.substring(id.indexOf(REASON_GROUP) + REASON_GROUP.length()),
                                (long) value.sum,
                                Long::sum));
            }
            problem = null;
            record(new Sample(now, job, figures, reasons));
        } catch (IOException | RuntimeException e) {
            problem = "Flink REST API " + rest.base() + ": " + e.getMessage();
            record(new Sample(now, null, null, Map.of()));
        }
    }

    private synchronized void record(Sample sample) {
        latest = sample;
        timeline.addLast(sample);
        while (timeline.size() > capacity) {
            timeline.removeFirst();
        }
        JobFigures figures = sample.figures();
        if (figures != null && figures.modelVersion() > 0) {
            VersionSeen last = versions.peekLast();
            if (last == null || last.version() != figures.modelVersion()) {
                versions.addLast(new VersionSeen(
                        figures.modelVersion(), sample.at(), figures.recallRolling(), figures.ndcgRolling()));
                while (versions.size() > capacity) {
                    versions.removeFirst();
                }
            }
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
