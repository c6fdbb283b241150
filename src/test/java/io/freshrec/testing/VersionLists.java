package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.apache.flink.api.common.JobID;

/**
 * The served lists of a running job, read through queryable state, for checking that a model version
 * (savepoint) brings back exactly what was served when it was taken: on the embedded run and on a cluster.
 */
public final class VersionLists {
    private final String proxyHost;
    private final int proxyPort;
    private final URI rest;

    /** What a version fixes about a served list ({@link Recommendations} has no equals). */
    public record Served(List<Long> items, List<Double> scores, long modelVersion, long eventTime, int fromTrending) {}

    /** The served lists of some users at one moment, and when each was computed. */
    public record Lists(Map<Long, Served> served, Map<Long, Long> updatedAt) {}

    public VersionLists(String proxyHost, int proxyPort, URI rest) {
        this.proxyHost = proxyHost;
        this.proxyPort = proxyPort;
        this.rest = rest;
    }

    /** Users 1..n. */
    public static List<Long> users(int n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    /**
     * Every user's list of job {@code job} once its finite input has been served to the end (the end of input
     * refreshes every list once) and two reads 3 s apart agree.
     */
    public Map<Long, Served> awaitStable(String job, Collection<Long> users, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitEndOfInput(job, timeout);
        Lists previous = read(job, users);
        while (true) {
            Thread.sleep(3000);
            Lists now = read(job, users);
            if (now.equals(previous)) {
                return now.served();
            }
            assertThat(System.nanoTime()).as("lists settled").isLessThan(deadline);
            previous = now;
        }
    }

    /**
     * Until every serving subtask has passed the end of the input: its output watermark is the end of time, so its
     * end-of-input refresh has run (a slow machine may still be scoring long after the source read its last event).
     */
    public void awaitEndOfInput(String job, Duration timeout) throws Exception {
        // Its own client: FlinkRest remembers which metrics a vertex has per first request.
        FlinkRest flink = new FlinkRest(rest);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            FlinkRest.Aggregate watermark =
                    flink.metrics(job, List.of(SERVING_WATERMARK)).get(SERVING_WATERMARK);
            if (watermark != null && watermark.min >= Long.MAX_VALUE) {
                return;
            }
            assertThat(System.nanoTime())
                    .as("serving reached the end of the input")
                    .isLessThan(deadline);
            Thread.sleep(300);
        }
    }

    private static final String SERVING_WATERMARK = "serving.currentOutputWatermark";

    /** The lists of {@code users} now (users the job does not know are absent). */
    public Lists read(String job, Collection<Long> users) throws Exception {
        Map<Long, Served> served = new TreeMap<>();
        Map<Long, Long> updatedAt = new TreeMap<>();
        try (RecommendationClient lookups = new RecommendationClient(
                proxyHost, proxyPort, rest, JobID.fromHexString(job), Duration.ofSeconds(60))) {
            for (long user : users) {
                Optional<Recommendations> found = lookups.recommendations(user);
                if (found.isPresent()) {
                    Recommendations recs = found.get();
                    served.put(
                            user,
                            new Served(
                                    Arrays.stream(recs.items).boxed().toList(),
                                    Arrays.stream(recs.scores).boxed().toList(),
                                    recs.modelVersion,
                                    recs.eventTime,
                                    recs.fromTrending));
                    updatedAt.put(user, recs.updatedAt);
                }
            }
        }
        return new Lists(served, updatedAt);
    }

    /**
     * Until the job's own count of records (parsed events plus dead letters) reaches {@code records} (metrics
     * arrive every 2 s); returns the parsed events.
     */
    public static long awaitRecords(FlinkRest flink, String job, long records, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        double seen = -1;
        while (System.nanoTime() < deadline) {
            Map<String, FlinkRest.Aggregate> counts = flink.metrics(job, List.of("parse.events", "parse.deadLetters"));
            FlinkRest.Aggregate parsed = counts.get("parse.events");
            FlinkRest.Aggregate dead = counts.get("parse.deadLetters");
            seen = parsed == null || dead == null ? -1 : parsed.sum + dead.sum;
            if (seen == records) {
                return (long) parsed.sum;
            }
            Thread.sleep(300);
        }
        assertThat(seen).as("records read by %s", job).isEqualTo(records);
        return -1;
    }
}
