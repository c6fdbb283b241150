package io.freshrec.reliability;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.Recommendations;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.OracleInput;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.PacedTestSource;
import io.freshrec.testing.ReferenceModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * One reliability scenario: the records a job reads (valid interactions with some bad records among them), the
 * valid interactions alone, the settings, and the oracle: {@link ReferenceModel}, an independent fold of the valid
 * interactions, which says exactly what every user's list and every item's state must be at the end, and how many
 * events every user's history must have applied (no event lost, none applied twice).
 *
 * <p>The settings make the job's answers a function of its input alone: serving waits for the model
 * (align-to-model), watermarks come from the records (a pause never moves event time), and users and items live a
 * year (the default TTLs), so no expiry timer races a returning key.
 */
final class Scenario {
    static final long START = 1_704_067_200_000L; // 2024-01-01T00:00:00Z

    final String name;
    /** Record n of the input, made on demand (some are megabytes long). */
    final GeneratorFunction<Long, String> records;

    final long count;
    final List<Interaction> events = new ArrayList<>();
    final int deadLetters;
    final Configuration settings;
    final ReferenceModel oracle;
    /** Event time of the last valid interaction: the watermark the source sends after its last record. */
    final long end;

    Scenario(String name, List<String> records) throws Exception {
        this(name, PacedTestSource.records(records), records.size(), settings());
    }

    /** As {@link #Scenario(String, List)} for a job that runs with {@code settings} (the oracle folds with them). */
    Scenario(String name, List<String> records, Configuration settings) throws Exception {
        this(name, PacedTestSource.records(records), records.size(), settings);
    }

    Scenario(String name, GeneratorFunction<Long, String> records, long count) throws Exception {
        this(name, records, count, settings());
    }

    Scenario(String name, GeneratorFunction<Long, String> records, long count, Configuration settings)
            throws Exception {
        this.name = name;
        this.records = records;
        this.count = count;
        // Which records are valid: the oracle's own reading of the documented input format, not the job's parser.
        int rejected = 0;
        for (long n = 0; n < count; n++) {
            Optional<Interaction> valid = OracleInput.valid(records.map(n), System.currentTimeMillis());
            if (valid.isPresent()) {
                events.add(valid.get());
            } else {
                rejected++;
            }
        }
        this.deadLetters = rejected;
        this.settings = settings;
        this.oracle = new ReferenceModel(OracleSettings.of(settings), events);
        this.end = events.stream().mapToLong(event -> event.timestamp).max().orElseThrow();
    }

    /** {@code count} records of the synthetic stream of {@code seed}, about {@code badRate} of them malformed. */
    static Scenario synthetic(String name, long seed, int count, double badRate) throws Exception {
        return new Scenario(name, syntheticRecords(seed, count, badRate, START));
    }

    static List<String> syntheticRecords(long seed, int count, double badRate, long start) {
        SyntheticInteractions world = new SyntheticInteractions(seed, 60, 120, 6, start, 20, 20_000, 20, badRate);
        List<String> records = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            records.add(world.lineAt(n));
        }
        return records;
    }

    static Configuration settings() {
        Configuration settings = new Configuration();
        settings.set(FreshRecOptions.ALIGN_TO_MODEL, true);
        // More neighbour slots than items: no truncation, so exact ties at the cut cannot make comparisons flaky.
        settings.set(FreshRecOptions.NEIGHBOURS, 500);
        settings.set(FreshRecOptions.TOP_N, 10);
        settings.set(FreshRecOptions.TRENDING_SIZE, 20);
        settings.set(FreshRecOptions.PUBLISH_INTERVAL, Duration.ofMillis(500));
        settings.set(FreshRecOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
        return settings;
    }

    /** The records, paced at {@code ratePerSecond} (0: as fast as possible), resuming exactly after a restore. */
    InteractionSource source(double ratePerSecond, PacedTestSource.Hold hold) {
        return PacedTestSource.of(
                records, count, ratePerSecond, end, settings.get(FreshRecOptions.OUT_OF_ORDERNESS), hold);
    }

    /**
     * The job reading {@link #source} (stopping at {@code hold} if not null); dead letters and served lists kept in this
     * JVM under the scenario's name.
     */
    FreshRecJob job(double ratePerSecond, PacedTestSource.Hold hold, String run) {
        return new FreshRecJob(
                settings,
                source(ratePerSecond, hold),
                new CollectingSink<DeadLetter>(name + "-" + run + "-dead-letters"),
                new CollectingSink<Recommendations>(name + "-" + run + "-served"));
    }

    /** Valid events the users' histories apply: all but those over the rate limit. */
    long appliedEvents() {
        return events.size() - oracle.rateLimited().size();
    }

    Set<Long> users() {
        return oracle.users();
    }

    Set<Long> items() {
        return new TreeSet<>(oracle.items());
    }

    /** Valid interactions per user: what each user's history must have applied once each. */
    Map<Long, Long> eventsPerUser() {
        Map<Long, Long> counts = new HashMap<>();
        events.forEach(event -> counts.merge(event.userId, 1L, Long::sum));
        // Events over the user rate limit are dead letters, not history.
        oracle.rateLimited().forEach(event -> counts.merge(event.userId, -1L, Long::sum));
        counts.values().removeIf(count -> count == 0);
        return counts;
    }
}
