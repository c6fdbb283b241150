package io.freshrec.cli;

import java.net.URI;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The running FreshRec job: the REST API that finds it and {@code --job} to name one; shared by the commands acting
 * on it (JobTarget: savepoint, stop, rollback) and the lookup commands (LookupOptions: recommend, similar, produce).
 */
final class RunningJobOptions {
    @Mixin
    FlinkRestOptions flinkRest;

    @Option(names = "--job", paramLabel = "ID", description = "Job id, instead of the running 'freshrec' job.")
    String job;

    URI rest() {
        return flinkRest.rest;
    }

    /** --job as a job id, null without it; a one-line failure when it is none. */
    JobID jobId() {
        if (job == null) {
            return null;
        }
        try {
            return JobID.fromHexString(job);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--job '" + job + "' is not a Flink job id (32 hex digits)");
        }
    }
}
