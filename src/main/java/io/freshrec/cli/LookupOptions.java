package io.freshrec.cli;

import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import java.net.URI;
import java.time.Duration;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Option;

/** Where to find the job's queryable state; shared by the lookup commands. */
final class LookupOptions {
    @Option(names = "--host", defaultValue = "localhost", description = "Queryable-state proxy host (a TaskManager). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", defaultValue = "9069", description = "Queryable-state proxy port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--flink-rest", defaultValue = "http://localhost:8081",
            description = "Flink REST API used to find the running job. Default: ${DEFAULT-VALUE}.")
    URI rest;

    @Option(names = "--job", description = "Job id, instead of finding the running 'freshrec' job.")
    String job;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long to retry (start-up, restarts). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    RecommendationClient connect() throws LookupException {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 1..65535");
        }
        JobID id = null;
        if (job != null) {
            try {
                id = JobID.fromHexString(job);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--job '" + job + "' is not a Flink job id (32 hex digits)");
            }
        }
        return new RecommendationClient(host, port, rest, id, timeout);
    }
}
