package io.freshrec.cli;

import io.freshrec.rest.FlinkRest;
import io.freshrec.versions.AutoVersions;
import io.freshrec.versions.VersionOptions;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.Versioning;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec savepoint}: a version of the running model. */
@Command(
        name = "savepoint",
        mixinStandardHelpOptions = true,
        description = {
            "Take a savepoint of the running FreshRec job and record it as a model version.",
            "With --every: keep taking automatic versions at that interval (on a cluster, as the embedded run does "
                    + "with freshrec.versions.interval), keeping the newest --retain, until Ctrl-C or --count."
        })
final class SavepointCommand implements Callable<Integer> {
    @Mixin
    JobTarget target;

    @Mixin
    RegistryOptions registryOptions;

    @Option(names = "--note", description = "Free text recorded with the version.")
    String note;

    @Option(
            names = "--tag",
            description = "A name for the version (rollback --to NAME); tagged versions are never pruned.")
    String tag;

    @Option(
            names = "--every",
            paramLabel = "INTERVAL",
            converter = DurationConverter.class,
            description =
                    "Take an automatic version this often (e.g. 30min) until Ctrl-C; skipped while the job learns nothing.")
    Duration every;

    @Option(
            names = "--retain",
            paramLabel = "N",
            description =
                    "With --every: automatic versions kept (tagged, manual and safety versions are never removed). "
                            + "Default: freshrec.versions.retain (10).")
    Integer retain;

    @Option(names = "--count", paramLabel = "N", description = "With --every: stop after N versions.")
    Integer count;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String format = target.formatType();
        if (every == null && (retain != null || count != null)) {
            throw new IllegalArgumentException("--retain and --count go with --every");
        }
        if (every != null) {
            if (every.isZero() || every.isNegative()) {
                throw new IllegalArgumentException("--every must be a positive interval, e.g. 30min");
            }
            if (tag != null) {
                throw new IllegalArgumentException(
                        "--tag names one version; automatic versions (--every) are untagged");
            }
            if (retain != null && retain < 1) {
                throw new IllegalArgumentException("--retain must be at least 1");
            }
            if (count != null && count < 1) {
                throw new IllegalArgumentException("--count must be at least 1");
            }
        }
        FlinkRest flink = target.flink();
        String job = target.runningJob(flink);
        Versioning versioning = new Versioning(
                flink, registryOptions.registry(), target.targetDirectory(), format, target.savepointTimeout);
        if (every != null) {
            return every(out, flink, versioning, job);
        }
        try {
            VersionRecord version = versioning.take(job, VersionRecord.MANUAL, note, tag);
            print(out, version, "");
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
        return 0;
    }

    /** Automatic versions of the running job (the newest one, followed across rollbacks and resubmits). */
    private int every(PrintWriter out, FlinkRest flink, Versioning versioning, String first) {
        int keep = retain != null ? retain : VersionOptions.retain(registryOptions.configuration());
        AutoVersions auto = new AutoVersions(versioning, every, keep, note);
        out.printf(
                "Automatic versions of job %s every %s, keeping the newest %d, in %s (Ctrl-C stops)%n",
                first,
                TimeUtils.formatWithHighestUnit(every),
                keep,
                versioning.registry().index());
        out.flush();
        String job = first;
        int taken = 0;
        boolean waiting = false;
        while (count == null || taken < count) {
            try {
                Thread.sleep(Math.min(200, every.toMillis()));
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
                break;
            }
            if (this.target.jobOptions.job == null) {
                // A rollback or resubmit replaces the job: version the one running now.
                try {
                    job = target.runningJob(flink);
                    if (waiting) {
                        out.println("Job " + job + " runs: versions continue.");
                        waiting = false;
                    }
                } catch (RuntimeException noJob) {
                    if (!waiting) {
                        out.println("(" + FreshRecCli.oneLine(noJob) + "; waiting for one)");
                        waiting = true;
                    }
                    out.flush();
                    continue;
                }
            }
            if (auto.maybeTake(job, out) != null) {
                taken++;
            }
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        out.printf("%d automatic version%s taken.%n", taken, taken == 1 ? "" : "s");
        out.flush();
        return 0;
    }

    /** {@code Version vN: PATH} and a line of figures. */
    static void print(PrintWriter out, VersionRecord version, String label) {
        out.printf("Version %s%s: %s%n", version.id, label, version.savepoint);
        out.printf(
                "  job %s: %s events, recall@10 rolling %s total %s, model %s; savepoint %.1f s, %s%n",
                version.jobId,
                version.events == null ? "?" : String.format(Locale.ROOT, "%,d", version.events),
                recall(version.recallRolling),
                recall(version.recallTotal),
                version.modelVersion == null ? "?" : "v" + version.modelVersion,
                version.savepointMillis / 1000.0,
                VersionsCommand.size(version.sizeBytes));
        out.flush();
    }

    private static String recall(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }
}
