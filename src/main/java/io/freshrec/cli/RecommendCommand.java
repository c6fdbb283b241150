package io.freshrec.cli;

import io.freshrec.model.Recommendations;
import io.freshrec.serving.RecommendationClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code freshrec recommend --user U [--k N]}. */
@Command(
        name = "recommend",
        mixinStandardHelpOptions = true,
        description = "Print a user's current recommendations, looked up in the running job's queryable state.")
final class RecommendCommand extends LookupCommand {
    @Option(names = "--user", required = true, description = "User id.")
    long user;

    @Option(
            names = "--repeat",
            defaultValue = "1",
            description =
                    "Look the user up this many times and print the lookup latency (p50/p99/max). Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Override
    void validate() {
        if (user < 0) {
            throw new IllegalArgumentException("--user must be a non-negative id");
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be at least 1");
        }
    }

    @Override
    void print(RecommendationClient client, PrintWriter out) throws Exception {
        Recommendations recs = found(
                client.recommendations(user), "unknown user " + user + ": the job has no interactions of this user");
        out.printf(
                "user %d: model version %d, computed %s (event time %s)%n",
                user, recs.modelVersion, Instant.ofEpochMilli(recs.updatedAt), Instant.ofEpochMilli(recs.eventTime));
        int n = Math.min(k, recs.items.length);
        for (int i = 0; i < n; i++) {
            boolean trending = i >= recs.items.length - recs.fromTrending;
            out.printf(
                    "%3d. item %-10d score %.4f%s%n",
                    i + 1, recs.items[i], recs.scores[i], trending ? "  (trending)" : "");
        }
        if (n == 0) {
            out.println("(no recommendations yet)");
        }
        if (repeat > 1) {
            long[] nanos = new long[repeat];
            for (int i = 0; i < repeat; i++) {
                long start = System.nanoTime();
                client.recommendations(user);
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            out.printf(
                    "%d lookups: p50 %.3f ms, p99 %.3f ms, max %.3f ms%n",
                    repeat,
                    nanos[repeat / 2] / 1e6,
                    nanos[Math.min(repeat - 1, (int) Math.ceil(repeat * 0.99) - 1)] / 1e6,
                    nanos[repeat - 1] / 1e6);
        }
    }
}
