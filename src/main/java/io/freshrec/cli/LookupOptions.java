package io.freshrec.cli;

import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where to find the job's queryable state; shared by the lookup commands. */
final class LookupOptions {
    @Mixin
    ProxyOptions proxy;

    @Mixin
    RunningJobOptions runningJob;

    // Not rollback's --timeout (120s, until a restored job answers): how long one lookup retries.
    @Option(
            names = "--timeout",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "How long to retry (start-up, restarts). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    RecommendationClient connect() throws LookupException {
        proxy.checkPort();
        return new RecommendationClient(proxy.host, proxy.port, runningJob.rest(), runningJob.jobId(), timeout);
    }
}
