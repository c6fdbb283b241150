package io.freshrec.job;

import static io.freshrec.testing.ServedLists.assertSameItem;
import static io.freshrec.testing.ServedLists.assertSameList;
import static io.freshrec.testing.ServedLists.awaitFinalLists;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.ModelData;
import io.freshrec.model.Recommendations;
import io.freshrec.model.TrendingList;
import io.freshrec.model.UserHistory;
import io.freshrec.serving.FreshRecServable;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ParallelTestSource;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.ml.linalg.DenseVector;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.BasicType;
import org.apache.flink.ml.servable.types.DataTypes;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole job on a MiniCluster at parallelism 2 with RocksDB: a parallel source of two readers,
 * recommendations are looked up through queryable state and compared with {@link ReferenceModel},
 * an independent brute-force computation over the same events.
 */
class FreshRecJobIntegrationTest {
    /** Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(0);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extension(PROXY_PORT, PORTS.port(1));

    private static final long START = 1_704_067_200_000L; // 2024-01-01T00:00:00Z

    private static Configuration settings() {
        Configuration settings = new Configuration();
        settings.set(FreshRecOptions.ALIGN_TO_MODEL, true);
        // More candidates than items: no truncation, so ties at the cut cannot make the comparison flaky.
        settings.set(FreshRecOptions.NEIGHBOURS, 500);
        settings.set(FreshRecOptions.TOP_N, 10);
        settings.set(FreshRecOptions.TRENDING_SIZE, 20);
        settings.set(FreshRecOptions.PUBLISH_INTERVAL, Duration.ofMillis(500));
        settings.set(FreshRecOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
        // A reader that starts late must not be declared idle (its events would then be late): be patient.
        settings.set(FreshRecOptions.IDLENESS, Duration.ofSeconds(8));
        return settings;
    }

    private static List<Interaction> synthetic(int count) {
        return synthetic(count, 120);
    }

    private static List<Interaction> synthetic(int count, int items) {
        SyntheticInteractions world = new SyntheticInteractions(7, 60, items, 6, START, 20, 20_000, 20, 0.0);
        List<Interaction> events = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            events.add(world.at(n));
        }
        return events;
    }

    @Test
    void shouldServeTheRecommendationsOfAnIndependentComputationThroughQueryableState() throws Exception {
        List<Interaction> events = synthetic(1500);
        List<String> records = new ArrayList<>();
        events.forEach(event -> records.add(InteractionParser.toJson(event)));
        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>("clean-dead-letters");
        runAndCompare(settings(), records, events, deadLetters);
        assertThat(deadLetters.received()).isEmpty();
    }

    /**
     * The shipped defaults (50 neighbours per item, lists of 20, a trending list of 100, a 200 ms publish interval)
     * on a catalogue of 120 items: neighbour lists are cut, and the cut is compared tie-aware. Only what a
     * deterministic comparison needs is set: align-to-model, and patience for a late reader.
     */
    @Test
    void shouldServeWhatTheOracleServesWithTheDefaultNeighbourCount() throws Exception {
        Configuration settings = new Configuration();
        settings.set(FreshRecOptions.ALIGN_TO_MODEL, true);
        settings.set(FreshRecOptions.IDLENESS, Duration.ofSeconds(8));
        List<Interaction> events = synthetic(1500);
        List<String> records = new ArrayList<>();
        events.forEach(event -> records.add(InteractionParser.toJson(event)));
        ReferenceModel reference = new ReferenceModel(OracleSettings.of(settings), events);
        long truncated = reference.items().stream()
                .filter(item ->
                        reference.item(item, Long.MAX_VALUE).cooccurrence.size() > 50)
                .count();
        assertThat(truncated).as("items with more than 50 neighbours").isGreaterThan(20);
        Comparison compared = runAndCompare(settings, records, events, new CollectingSink<>("defaults-dead-letters"));
        System.out.printf(
                "[defaults] %d users compared exactly, %d with a tie at a cut; %d items compared, %d cut to 50%n",
                compared.exact, compared.ambiguous, compared.items, truncated);
        assertThat(compared.ambiguous).as("users with a tie at a cut").isLessThan(compared.exact / 10);
    }

    /**
     * A popularity blend: every candidate gains blend * its trending weight relative to the top trending item, and
     * trending items the user has not seen compete for the list on popularity alone (never one already seen).
     */
    @Test
    void shouldServeWhatTheOracleServesWithAPopularityBlend() throws Exception {
        Configuration settings = settings();
        settings.set(FreshRecOptions.POPULARITY_BLEND, 5.0);
        // A short history: items a user saw long ago are no neighbour of what they see now, yet may be trending.
        settings.set(FreshRecOptions.HISTORY_LENGTH, 2);
        // A catalogue of 3,000 items: most are no neighbour of a user's history, so popularity alone can place one.
        List<Interaction> events = synthetic(1200, 3000);
        List<String> records = new ArrayList<>();
        events.forEach(event -> records.add(InteractionParser.toJson(event)));
        Comparison compared = runAndCompare(settings, records, events, new CollectingSink<>("blend-dead-letters"));
        assertThat(compared.ambiguous).isZero();
        System.out.printf(
                "[blend] %d users compared, %d lists with an item on popularity alone%n",
                compared.exact, compared.blendedIn);
        assertThat(compared.blendedIn)
                .as("lists where a trending item with no neighbour score took a place")
                .isPositive();
    }

    /**
     * One bot and hot items: a rate limit the most active users exceed, and co-occurrence maps bounded far below the
     * catalogue, so that pruning drops pairs that later co-occur again. The oracle writes both rules out on its own
     * (docs/model.md): every list and item equals it, and the dead letters are exactly the events it refused.
     */
    @Test
    void shouldServeWhatTheOracleServesWithPrunedMapsAndARateLimitedUser() throws Exception {
        Configuration settings = settings();
        settings.set(FreshRecOptions.NEIGHBOURS, 10);
        settings.set(FreshRecOptions.MAX_COOCCURRENCES, 24);
        settings.set(FreshRecOptions.USER_RATE_LIMIT, 60);
        List<Interaction> events = synthetic(1500);
        List<String> records = new ArrayList<>();
        events.forEach(event -> records.add(InteractionParser.toJson(event)));
        ReferenceModel reference = new ReferenceModel(OracleSettings.of(settings), events);
        assertThat(reference.prunedPairs()).as("pairs pruned").isGreaterThan(500);
        assertThat(reference.rateLimited()).as("events over the rate limit").hasSizeGreaterThan(30);

        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>("bot-dead-letters");
        Comparison compared = runAndCompare(settings, records, events, deadLetters);

        System.out.printf(
                "[bot and hot items] %d users compared exactly, %d with a tie at a cut; %d pairs pruned, %d events"
                        + " rate-limited%n",
                compared.exact,
                compared.ambiguous,
                reference.prunedPairs(),
                reference.rateLimited().size());
        assertThat(compared.ambiguous).as("users with a tie at a cut").isLessThan(compared.exact / 10);
        assertThat(deadLetters.received())
                .allSatisfy(letter -> assertThat(letter.reason).startsWith("rate-limited: user "))
                .extracting(letter -> letter.payload)
                .containsExactlyInAnyOrderElementsOf(reference.rateLimited().stream()
                        .map(InteractionParser::toJson)
                        .toList());
    }

    /** How a run compared with the oracle. */
    private record Comparison(int exact, int ambiguous, int items, int blendedIn) {}

    @Test
    void shouldSendHostileRecordsToDeadLettersWhileLookupsKeepMatching() throws Exception {
        List<Interaction> events = synthetic(1200);
        List<String> hostile = List.of(
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + START, // truncated below
                "not json at all",
                "{\"user\":\"x\",\"item\":2,\"type\":\"click\",\"ts\":" + START + "}",
                "{\"user\":1,\"item\":2,\"type\":\"teleport\",\"ts\":" + START + "}",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":NaN,\"ts\":" + START + "}",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":-3,\"ts\":" + START + "}",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":42}",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":99999999999999}",
                "{\"user\":-5,\"item\":2,\"type\":\"view\",\"ts\":" + START + "}",
                "{\"user\":1,\"user\":2,\"item\":2,\"type\":\"view\",\"ts\":" + START + "}",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + START + ",\"pad\":\"" + "x".repeat(70_000) + "\"}",
                "{\"user\":1,\"item\":\u0001,\"type\":\"view\",\"ts\":" + START + "}",
                "[1,2,3]",
                "{\"item\":2,\"type\":\"view\",\"ts\":" + START + "}");
        List<String> records = new ArrayList<>();
        int injected = 0;
        for (int i = 0; i < events.size(); i++) {
            records.add(InteractionParser.toJson(events.get(i)));
            if (i % 5 == 3) {
                records.add(hostile.get(injected % hostile.size()));
                injected++;
            }
        }
        if (records.size() % 2 == 1) {
            records.add(hostile.get(1));
            injected++;
        }
        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>("hostile-dead-letters");
        runAndCompare(settings(), records, events, deadLetters);
        assertThat(deadLetters.received()).hasSize(injected);
        assertThat(deadLetters.received())
                .allSatisfy(letter -> assertThat(letter.reason).contains(":"));
        Set<String> payloads = new HashSet<>();
        deadLetters.received().forEach(letter -> payloads.add(letter.payload));
        // Each record as it came, the huge one cut to its first MAX_PAYLOAD_CHARS with a note of its length.
        Set<String> expected = new HashSet<>();
        hostile.forEach(record -> expected.add(DeadLetter.ofRecord("", record, 0).payload));
        assertThat(expected).anyMatch(payload -> payload.contains("...[truncated: "));
        assertThat(payloads).containsAll(expected);
    }

    private Comparison runAndCompare(
            Configuration settings,
            List<String> records,
            List<Interaction> events,
            CollectingSink<DeadLetter> deadLetters)
            throws Exception {
        FreshRecJob job = new FreshRecJob(settings, ParallelTestSource.of(records), deadLetters, null);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        CollectingSink<ModelUpdate> published = new CollectingSink<>("published-" + deadLetters.hashCode());
        job.build(env).modelUpdates.sinkTo(published);
        JobClient client = env.executeAsync(FreshRecJob.JOB_NAME);
        try (RecommendationClient lookups = new RecommendationClient(
                "localhost", PROXY_PORT, URI.create("http://localhost:1"), client.getJobID(), Duration.ofSeconds(30))) {
            ModelConfig config = job.modelConfig();
            OracleSettings oracle = OracleSettings.of(settings);
            ReferenceModel reference = new ReferenceModel(oracle, events);
            Map<Long, Recommendations> served = awaitFinalLists(lookups, reference, Duration.ofSeconds(90));
            assertThat(served.keySet()).containsExactlyInAnyOrderElementsOf(reference.users());
            int withNeighbours = 0;
            int exact = 0;
            int ambiguous = 0;
            int blendedIn = 0;
            for (Map.Entry<Long, Recommendations> entry : served.entrySet()) {
                ReferenceModel.Served expected = reference.recommend(entry.getKey());
                if (expected.ambiguous) {
                    // A tie at a cut: the definition leaves open which tied item a bounded list keeps.
                    ambiguous++;
                    assertThat(entry.getValue().items).hasSize(expected.items.size());
                    continue;
                }
                exact++;
                assertSameList(entry.getKey(), entry.getValue(), expected);
                if (expected.fromTrending < expected.items.size()) {
                    withNeighbours++;
                }
                if (expected.fromPopularity > 0) {
                    blendedIn++;
                }
            }
            // The comparison must be about learned neighbours, not only the trending fallback.
            assertThat(withNeighbours).isGreaterThan(served.size() / 2);

            // The published model, loaded into the Flink ML servable, scores users as the job served them.
            for (long user : List.of(1L, 2L, 3L, 10L, 20L)) {
                Recommendations live = served.get(user);
                if (reference.recommend(user).ambiguous) {
                    continue;
                }
                FreshRecServable servable = servableAt(config, published.received(), live.eventTime);
                ReferenceModel.Served fromServable =
                        score(servable, reference, user, live.eventTime, live.items.length);
                assertSameList(user, live, fromServable);
            }

            // Every item's part of the final model, its neighbour list cut to the configured count.
            int items = 0;
            for (long item : reference.items()) {
                assertSameItem(
                        item, lookups.similarItems(item), reference.item(item, Long.MAX_VALUE), oracle.neighbours);
                items++;
            }
            assertThat(lookups.recommendations(987_654_321L)).isEmpty();
            return new Comparison(exact, ambiguous, items, blendedIn);
        } finally {
            client.cancel().get();
        }
    }

    /** The model as published up to event time {@code at}, written as model data and loaded into a servable. */
    private static FreshRecServable servableAt(ModelConfig config, List<ModelUpdate> updates, long at)
            throws Exception {
        Map<Long, ItemSnapshot> items = new HashMap<>();
        TrendingList trending = new TrendingList();
        long version = 0;
        for (ModelUpdate update : updates) {
            if (update.time > at) {
                continue;
            }
            if (update.isCommit()) {
                if (update.version > version) {
                    version = update.version;
                    trending = update.trending;
                }
            } else if (update.item.isTombstone()) {
                items.remove(update.item.item);
            } else {
                ItemSnapshot known = items.get(update.item.item);
                if (known == null || known.versionTime <= update.item.versionTime) {
                    items.put(update.item.item, update.item);
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new ModelData(config, version, at, trending, items).write(bytes);
        return new FreshRecServable().setModelData(new ByteArrayInputStream(bytes.toByteArray()));
    }

    private static ReferenceModel.Served score(
            FreshRecServable servable, ReferenceModel reference, long user, long now, int k) {
        UserHistory history = reference.history(user);
        double[] ids = new double[history.items.length];
        double[] times = new double[history.times.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = history.items[i];
            times[i] = history.times[i];
        }
        double[] seen =
                reference.seen(user).stream().mapToDouble(Long::doubleValue).toArray();
        DataFrame input = new DataFrame(
                new ArrayList<>(List.of("history", "weights", "times", "now", "seen")),
                new ArrayList<>(List.of(
                        DataTypes.VECTOR(BasicType.DOUBLE),
                        DataTypes.VECTOR(BasicType.DOUBLE),
                        DataTypes.VECTOR(BasicType.DOUBLE),
                        DataTypes.LONG,
                        DataTypes.VECTOR(BasicType.DOUBLE))),
                new ArrayList<>(List.of(new Row(new ArrayList<>(List.of(
                        new DenseVector(ids),
                        new DenseVector(history.weights),
                        new DenseVector(times),
                        now,
                        new DenseVector(seen)))))));
        servable.set(FreshRecServable.K, k);
        Row row = servable.transform(input).collect().get(0);
        DenseVector items = (DenseVector) row.get(input.getIndex("recommendations"));
        DenseVector scores = (DenseVector) row.get(input.getIndex("scores"));
        ReferenceModel.Served result = new ReferenceModel.Served();
        for (int i = 0; i < items.size(); i++) {
            result.items.add((long) items.get(i));
            result.scores.add(scores.get(i));
            if (scores.get(i) == 0.0) {
                result.fromTrending++;
            }
        }
        return result;
    }
}
