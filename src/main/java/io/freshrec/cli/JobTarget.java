package io.freshrec.cli;

import io.freshrec.job.FreshRecJob;
import io.freshrec.rest.FlinkRest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The running FreshRec job a command acts on, through Flink's REST API, and how its savepoints are taken. */
final class JobTarget {
    @Mixin
    RunningJobOptions jobOptions;

    @Option(
            names = "--target-dir",
            paramLabel = "DIR",
            description =
                    "Where the cluster writes the savepoint (a path or URI it can reach). Default: its state.savepoints.dir.")
    String targetDir;

    @Option(
            names = "--format",
            defaultValue = "canonical",
            description =
                    "Savepoint format: canonical (portable across state backends) or native (faster). Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(
            names = "--savepoint-timeout",
            defaultValue = "10min",
            converter = DurationConverter.class,
            description = "How long a savepoint may take. Default: ${DEFAULT-VALUE}.")
    Duration savepointTimeout;

    FlinkRest flink() {
        return jobOptions.flinkRest.flink();
    }

    String formatType() {
        String type = format.toUpperCase(Locale.ROOT);
        if (!type.equals("CANONICAL") && !type.equals("NATIVE")) {
            throw new IllegalArgumentException("--format must be canonical or native");
        }
        return type;
    }

    /** A target directory as a URI the cluster understands (local paths made absolute). */
    String targetDirectory() {
        if (targetDir == null) {
            return null;
        }
        return targetDir.contains("://")
                ? targetDir
                : Path.of(targetDir).toAbsolutePath().normalize().toUri().toString();
    }

    /** The job to act on: --job, else the newest running 'freshrec' job; one-line failures otherwise. */
    String runningJob(FlinkRest flink) {
        try {
            String job = jobOptions.job;
            if (job != null) {
                jobOptions.jobId(); // a bad id fails in one line
                String state = flink.jobStatus(job);
                if (!"RUNNING".equals(state)) {
                    throw new FreshRecCli.CommandFailure("job " + job + " is " + state + ", not RUNNING");
                }
                return job;
            }
            return flink.findRunningJob(FreshRecJob.JOB_NAME)
                    .orElseThrow(() -> new FreshRecCli.CommandFailure(
                            "no running '" + FreshRecJob.JOB_NAME + "' job at " + flink.base()
                                    + " (start one: freshrec run, or freshrec submit --flink-rest URL)"));
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
    }
}
