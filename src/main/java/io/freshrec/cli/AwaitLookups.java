package io.freshrec.cli;

import io.freshrec.model.Recommendations;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options and the wait of a command that starts a job and returns once lookups answer (rollback, resume): the
 * queryable-state proxy, the user looked up, and how long the whole command may take.
 */
final class AwaitLookups {
    @Mixin
    ProxyOptions proxy;

    @Option(
            names = "--user",
            defaultValue = "1",
            description = "User looked up to see that lookups answer. Default: ${DEFAULT-VALUE}.")
    long probeUser;

    // Not the lookup commands' --timeout (10s for one lookup): the whole command, until the started job answers.
    @Option(
            names = "--timeout",
            defaultValue = "120s",
            converter = DurationConverter.class,
            description = "How long the started job may take until lookups answer. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    /** What is left of {@link #timeout} since {@code beginNanos} (at least a second). */
    Duration left(long beginNanos) {
        Duration left = timeout.minusNanos(System.nanoTime() - beginNanos);
        return left.isNegative() ? Duration.ofSeconds(1) : left;
    }

    /**
     * Retries the probe lookup on {@code job} until it answers (an answer may be "no such user"); a one-line failure
     * starting with {@code failure} when it does not within {@code within}.
     */
    String await(URI rest, String job, Duration within, String failure) {
        try (RecommendationClient lookups =
                new RecommendationClient(proxy.host, proxy.port, rest, JobID.fromHexString(job), within)) {
            Optional<Recommendations> recs = lookups.recommendations(probeUser);
            return recs.map(list -> String.format(
                            Locale.ROOT,
                            "user %d has %d items (model v%d)",
                            probeUser,
                            list.items.length,
                            list.modelVersion))
                    .orElse("user " + probeUser + " is not known to this job");
        } catch (LookupException e) {
            throw new FreshRecCli.CommandFailure(failure + ": " + e.getMessage());
        }
    }
}
