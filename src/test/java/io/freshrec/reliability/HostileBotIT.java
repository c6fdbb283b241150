package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.OracleInput;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 14, one bot and one hot item: besides the live stream, one user (a bot) interacts 50 times a second for the
 * whole stream, alternating the most popular item and an item it wants to push into that item's neighbours; and
 * co-occurrence maps are bounded well below the catalogue, so every popular item's map is pruned again and again. The
 * bot's events beyond the rate limit are dead letters rate-limited, exactly those the oracle (which writes the limit
 * and the pruning out on its own) refuses; nothing else is lost or applied twice, and every list and item equals the
 * oracle's.
 */
class HostileBotIT {
    private static final int BASE = TestPorts.block().first();
    private static final long BOT = 777L;
    private static final long POISON = 999_999L;
    private static final int RATE_LIMIT = 300;
    private static final int NEIGHBOURS = 20;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    @Test
    void shouldDeadLetterTheBotsExcessAndKeepEveryMapBoundedWhileLearningAsTheOracle() throws Exception {
        List<String> world = Scenario.syntheticRecords(41, 2000, 0.01, Scenario.START);
        long hot = mostPopular(world);
        List<String> records = withBot(world, hot);
        Configuration settings = Scenario.settings();
        settings.set(FreshRecOptions.USER_RATE_LIMIT, RATE_LIMIT);
        settings.set(FreshRecOptions.NEIGHBOURS, NEIGHBOURS);
        settings.set(FreshRecOptions.MAX_COOCCURRENCES, 2 * NEIGHBOURS);
        Scenario scenario = new Scenario("one-bot-one-hot-item", records, settings);

        List<Interaction> refused = scenario.oracle.rateLimited();
        long botEvents = scenario.events.stream().filter(e -> e.userId == BOT).count();
        assertThat(refused).as("refused events").isNotEmpty().allMatch(event -> event.userId == BOT);
        assertThat(scenario.oracle.prunedPairs()).as("pairs pruned").isGreaterThan(1_000);
        // What the limit is for: the bot's pull on the hot item, with and without it.
        Configuration unlimited = new Configuration(settings);
        unlimited.set(FreshRecOptions.USER_RATE_LIMIT, 0);
        ReferenceModel open = new ReferenceModel(OracleSettings.of(unlimited), scenario.events);
        double pullWithout = pull(open, hot);
        double pullWith = pull(scenario.oracle, hot);
        System.out.printf(
                "[reliability] %s: bot sent %d events, %d refused; co-occurrence of item %d with the bot's item %.1f"
                        + " (rank %d) without the limit, %.1f (rank %d) with it; %d pairs pruned%n",
                scenario.name,
                botEvents,
                refused.size(),
                hot,
                pullWithout,
                rank(open, hot),
                pullWith,
                rank(scenario.oracle, hot),
                scenario.oracle.prunedPairs());
        assertThat(pullWith).as("the bot's pull with the limit").isLessThan(pullWithout / 10);

        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>("bot-dead-letters");
        new FreshRecJob(
                        scenario.settings,
                        scenario.source(0, null),
                        deadLetters,
                        new CollectingSink<Recommendations>("bot-served"))
                .build(env);
        JobClient job = ReliabilityCluster.execute(env, null);
        // The counters once the job has reached the oracle's state (read before the job stops with its savepoint).
        try (RecommendationClient lookups = ReliabilityCluster.lookups(BASE, job.getJobID(), Duration.ofSeconds(30))) {
            ExactlyOnce.awaitOracle(lookups, scenario, Duration.ofMinutes(3));
        }
        Map<String, Double> counted = awaitCounters(
                ReliabilityCluster.rest(CLUSTER),
                job.getJobID().toHexString(),
                Map.of(
                        "user-history.deadLetterReason.rate-limited", (double) refused.size(),
                        "item-model.cooccurrencesPruned", (double) scenario.oracle.prunedPairs(scenario.end)));
        long rateLimited = Math.round(counted.get("user-history.deadLetterReason.rate-limited"));
        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, job, scenario, savepoints);

        new ExactlyOnce.Outcome(
                        outcome.applied(), outcome.deadLetters() + rateLimited, outcome.restarts(), outcome.savepoint())
                .record(
                        "14 one bot (" + refused.size() + " of " + botEvents + " events over the rate limit), one"
                                + " hot item (maps pruned to " + 2 * NEIGHBOURS + ")",
                        scenario,
                        null);
        assertThat(outcome.restarts()).as("restarts").isZero();
        assertThat(counted.get("user-history.deadLetterReason.rate-limited"))
                .as("dead letters rate-limited, counted")
                .isEqualTo((double) refused.size());
        assertThat(counted.get("item-model.cooccurrencesPruned"))
                .as("pairs pruned, counted")
                .isEqualTo((double) scenario.oracle.prunedPairs(scenario.end));
        List<String> refusedPayloads = new ArrayList<>();
        List<String> otherReasons = new ArrayList<>();
        for (DeadLetter letter : deadLetters.received()) {
            if (letter.reason.startsWith("rate-limited: ")) {
                refusedPayloads.add(letter.payload);
            } else {
                otherReasons.add(letter.reason);
            }
        }
        assertThat(refusedPayloads)
                .as("dead letters rate-limited: the events the oracle refused")
                .containsExactlyInAnyOrderElementsOf(
                        refused.stream().map(InteractionParser::toJson).toList());
        assertThat(otherReasons).as("the other dead letters: the bad records").hasSize(scenario.deadLetters);
    }

    /** Waits up to a minute for the summed counters to reach the expected values; returns what was read last. */
    private static Map<String, Double> awaitCounters(FlinkRest rest, String job, Map<String, Double> expected)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        Map<String, Double> seen = new HashMap<>();
        while (true) {
            try {
                rest.metrics(job, List.copyOf(expected.keySet())).forEach((name, value) -> seen.put(name, value.sum));
            } catch (IOException notYet) {
                // not reported yet
            }
            if (seen.equals(expected) || System.nanoTime() > deadline) {
                return seen;
            }
            Thread.sleep(500);
        }
    }

    /** The item most events of the stream are about. */
    private static long mostPopular(List<String> records) {
        Map<Long, Integer> counts = new HashMap<>();
        for (String record : records) {
            OracleInput.valid(record, Scenario.START).ifPresent(e -> counts.merge(e.itemId, 1, Integer::sum));
        }
        return counts.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
    }

    /**
     * The stream with the bot's events merged in by time: one every 20 ms from the stream's start to its end, a view of
     * the hot item and a purchase of its own item in turn.
     */
    private static List<String> withBot(List<String> world, long hot) {
        List<String> merged = new ArrayList<>();
        long next = Scenario.START;
        long n = 0;
        for (String record : world) {
            Optional<Interaction> event = OracleInput.valid(record, Scenario.START);
            if (event.isPresent()) {
                while (next <= event.get().timestamp) {
                    Interaction bot = n % 2 == 0
                            ? new Interaction(BOT, hot, EventType.VIEW, Double.NaN, next)
                            : new Interaction(BOT, POISON, EventType.PURCHASE, Double.NaN, next);
                    merged.add(InteractionParser.toJson(bot));
                    next += 20;
                    n++;
                }
            }
            merged.add(record);
        }
        return merged;
    }

    /** The co-occurrence of the hot item with the bot's item in the final model. */
    private static double pull(ReferenceModel model, long hot) {
        return model.item(hot, Long.MAX_VALUE).cooccurrence.getOrDefault(POISON, 0.0);
    }

    /** The bot item's place among the hot item's neighbours (1: first), or -1 when it is not one. */
    private static int rank(ReferenceModel model, long hot) {
        Map<Long, Double> row = model.item(hot, Long.MAX_VALUE).cooccurrence;
        Double mine = row.get(POISON);
        if (mine == null) {
            return -1;
        }
        int place = 1;
        for (Map.Entry<Long, Double> other : row.entrySet()) {
            if (other.getKey() != POISON
                    && (other.getValue() > mine || (other.getValue().equals(mine) && other.getKey() < POISON))) {
                place++;
            }
        }
        return place <= NEIGHBOURS ? place : -1;
    }
}
