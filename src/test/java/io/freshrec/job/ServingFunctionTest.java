package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.accumulator;
import static io.freshrec.job.HarnessSupport.keysWithState;
import static io.freshrec.job.HarnessSupport.list;
import static io.freshrec.job.HarnessSupport.sideOutput;
import static io.freshrec.job.HarnessSupport.value;
import static io.freshrec.job.ServingFixtures.history;
import static io.freshrec.job.ServingFixtures.interact;
import static io.freshrec.job.ServingFixtures.item;
import static io.freshrec.job.ServingFixtures.modelV1;
import static io.freshrec.job.ServingFixtures.modelV2;
import static io.freshrec.job.ServingFixtures.trendingList;
import static io.freshrec.job.ServingFixtures.watermark;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.QualityBreaker;
import io.freshrec.model.Recommendations;
import io.freshrec.model.UserHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keyed by user (RocksDB) with the broadcast model. Settings: top 3, cosine similarity (norm
 * exponent 0.5), no decay of co-occurrence or interest, no popularity blend, user ttl 10 s.
 *
 * <p>Model version 1 (time 1000): item 1 (norm 4; neighbours 2: 2, 3: 1), item 2 (norm 1; 1: 2, 4: 1),
 * item 3 (norm 9; 1: 1), item 4 (norm 1; 2: 1), item 5 (norm 1; none); trending 5, 3, 1, 2, 4.
 */
class ServingFunctionTest {
    private static final long USER = 1L;
    private static final long[] TRENDING_V1 = {5, 3, 1, 2, 4};

    private final List<KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations>> opened =
            new ArrayList<>();
    /** What the test knows the serving model to be (newest snapshot per item), for the reference scorer. */
    private final Map<Long, ItemSnapshot> model = new HashMap<>();

    private long[] trending = new long[0];

    private static ModelConfig config() {
        return ServingFixtures.config(0, 10_000);
    }

    private KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> open(
            ModelConfig config, boolean alignToModel) throws Exception {
        return open(config, alignToModel, 0);
    }

    private KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> open(
            ModelConfig config, boolean alignToModel, long refreshIntervalMs) throws Exception {
        return open(new ServingFunction(config, 100, alignToModel, refreshIntervalMs));
    }

    private KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> open(
            ServingFunction function) throws Exception {
        var harness = ServingFixtures.harness(function);
        harness.open();
        opened.add(harness);
        return harness;
    }

    @AfterEach
    void close() throws Exception {
        for (var harness : opened) {
            harness.close();
        }
    }

    // ---- model ----

    private void publish(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness,
            long version,
            long time,
            List<ItemSnapshot> items,
            long... trendingItems)
            throws Exception {
        for (ItemSnapshot snapshot : items) {
            harness.processBroadcastElement(ModelUpdate.item(version, time, snapshot), time);
            if (snapshot.isTombstone()) {
                model.remove(snapshot.item);
            } else {
                model.put(snapshot.item, snapshot);
            }
        }
        harness.processBroadcastElement(
                ModelUpdate.commit(version, time, trendingList(time - 100, trendingItems)), time);
        trending = trendingItems;
    }

    // ---- users ----

    /**
     * Reference scoring by brute force: score(c) = sum over history items j of interest(j) x C(j, c) /
     * sqrt(N(j) N(c)), unseen candidates known to the model, strongest first (ties: smaller id), then
     * unseen unscored trending items with score 0, up to top 3.
     */
    private Map<Long, Double> reference(UserHistory history, Set<Long> seen) {
        Map<Long, Double> scores = new HashMap<>();
        for (int h = 0; h < history.items.length; h++) {
            ItemSnapshot source = model.get(history.items[h]);
            if (source == null || source.norm <= 0) {
                continue;
            }
            for (int n = 0; n < source.neighbours.length; n++) {
                long candidate = source.neighbours[n];
                ItemSnapshot target = model.get(candidate);
                if (seen.contains(candidate) || target == null || target.norm <= 0) {
                    continue;
                }
                scores.merge(
                        candidate,
                        history.weights[h] * source.cooccurrence[n] / Math.sqrt(source.norm * target.norm),
                        Double::sum);
            }
        }
        Map<Long, Double> expected = new LinkedHashMap<>();
        scores.entrySet().stream()
                .sorted(Comparator.<Map.Entry<Long, Double>>comparingDouble(e -> -e.getValue())
                        .thenComparingLong(Map.Entry::getKey))
                .limit(3)
                .forEach(e -> expected.put(e.getKey(), e.getValue()));
        for (long item : trending) {
            if (expected.size() < 3 && !seen.contains(item) && !scores.containsKey(item)) {
                expected.put(item, 0.0);
            }
        }
        return expected;
    }

    private static void assertList(Recommendations actual, Map<Long, Double> expected) {
        assertThat(actual.items)
                .containsExactly(
                        expected.keySet().stream().mapToLong(Long::longValue).toArray());
        double[] scores =
                expected.values().stream().mapToDouble(Double::doubleValue).toArray();
        assertThat(actual.scores).hasSameSizeAs(scores);
        for (int i = 0; i < scores.length; i++) {
            assertThat(actual.scores[i]).isCloseTo(scores[i], within(1e-9));
        }
    }

    private static List<Recommendations> lists(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness) {
        return harness.extractOutputValues();
    }

    private static Recommendations last(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness) {
        List<Recommendations> lists = lists(harness);
        return lists.get(lists.size() - 1);
    }

    // ---- tests ----

    @Test
    void shouldServeEmptyListAtVersionZeroBeforeAnyModelArrives() throws Exception {
        var harness = open(config(), false);

        interact(harness, USER, 1, 1000, history(new long[] {1}, new double[] {2}, 1000));

        assertThat(lists(harness)).singleElement().satisfies(list -> {
            assertThat(list.userId).isEqualTo(USER);
            assertThat(list.items).isEmpty();
            assertThat(list.modelVersion).isZero();
            assertThat(list.eventTime).isEqualTo(1000L);
        });
    }

    @Test
    void shouldGiveColdStartUserTrendingItemsTheyHaveNotSeen() throws Exception {
        var harness = open(config(), false);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);

        // Item 9 is unknown to the model: nothing to score from, so the list is trending minus seen.
        interact(harness, USER, 9, 1000, history(new long[] {9}, new double[] {1}, 1000));
        interact(harness, 2L, 3, 1000, history(new long[] {3}, new double[] {1}, 1000));

        Recommendations cold = lists(harness).get(0);
        assertThat(cold.items).containsExactly(5L, 3L, 1L);
        assertThat(cold.scores).containsExactly(0.0, 0.0, 0.0);
        assertThat(cold.fromTrending).isEqualTo(3);
        assertThat(cold.modelVersion).isEqualTo(1L);
        assertList(cold, reference(history(new long[] {9}, new double[] {1}, 1000), Set.of(9L)));
        // User 2 saw trending item 3: 3 is skipped and 3's neighbour 1 (1 / sqrt(9 x 4) = 1/6) comes first.
        Recommendations warm = lists(harness).get(1);
        assertThat(warm.items).containsExactly(1L, 5L, 2L);
        assertThat(warm.scores[0]).isCloseTo(1.0 / 6, within(1e-12));
        assertThat(warm.fromTrending).isEqualTo(2);
        // Queryable state holds the emitted list per user.
        assertThat(value(harness, USER, FreshRecState.recommendations()).items).containsExactly(5L, 3L, 1L);
        assertThat(value(harness, USER, FreshRecState.seenItems()).items).containsExactly(9L);
        assertThat(keysWithState(harness, "recommendations")).containsExactlyInAnyOrder(USER, 2L);
    }

    @Test
    void shouldRecommendNeighboursOfRecentItemsExcludingSeenItems() throws Exception {
        var harness = open(config(), false);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);

        UserHistory first = history(new long[] {1}, new double[] {2}, 1000);
        interact(harness, USER, 1, 1000, first);
        UserHistory second = history(new long[] {1, 2}, new double[] {2, 2}, 1500);
        interact(harness, USER, 2, 1500, second);

        // By hand. After item 1 (interest 2, norm 4): 2 -> 2 x 2 / sqrt(4 x 1) = 2, 3 -> 2 x 1 / sqrt(4 x 9)
        // = 1/3, then trending 5.
        Recommendations afterFirst = lists(harness).get(0);
        assertThat(afterFirst.items).containsExactly(2L, 3L, 5L);
        assertThat(afterFirst.scores[0]).isCloseTo(2.0, within(1e-12));
        assertThat(afterFirst.scores[1]).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(afterFirst.fromTrending).isEqualTo(1);
        // After item 2 (seen: 1, 2): 4 -> 2 x 1 / sqrt(1 x 1) = 2, 3 -> 1/3, then trending 5.
        Recommendations afterSecond = lists(harness).get(1);
        assertThat(afterSecond.items).containsExactly(4L, 3L, 5L).doesNotContain(1L, 2L);
        assertThat(afterSecond.scores[0]).isCloseTo(2.0, within(1e-12));
        assertList(afterFirst, reference(first, Set.of(1L)));
        assertList(afterSecond, reference(second, Set.of(1L, 2L)));
        assertThat(value(harness, USER, FreshRecState.servingHistory()).items).containsExactly(1L, 2L);
    }

    @Test
    void shouldCountPrequentialHitsAgainstTheListServedBeforeEachEvent() throws Exception {
        var harness = open(config(), false);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        long[] items = {1, 3, 4, 6, 1};
        long[][] histories = {{1}, {1, 3}, {1, 3, 4}, {3, 4, 6}, {4, 6, 1}};

        Set<Long> seen = new HashSet<>();
        long expectedHits = 0;
        long expectedScored = 0;
        for (int i = 0; i < items.length; i++) {
            double[] interests = new double[histories[i].length];
            Arrays.fill(interests, 2.0);
            UserHistory history = history(histories[i], interests, 1000 + 500L * i);
            if (i > 0 && !seen.contains(items[i])) {
                // Test-then-train: was the item in the top 10 of the list the user was last served?
                expectedScored++;
                if (last(harness).containsInTop(items[i], 10)) {
                    expectedHits++;
                }
            }
            seen.add(items[i]);
            interact(harness, USER, items[i], 1000 + 500L * i, history);
            assertList(last(harness), reference(history, seen));
        }

        // By hand: 3 is in [2, 3, 5] (hit), 4 in [2, 5, 4] (hit), 6 not in [2, 5] (miss); 1 was seen.
        assertThat(lists(harness))
                .extracting(list -> Arrays.toString(list.items))
                .containsExactly("[2, 3, 5]", "[2, 5, 4]", "[2, 5]", "[2, 5]", "[2, 5]");
        assertThat(expectedScored).isEqualTo(3L);
        assertThat(expectedHits).isEqualTo(2L);
        assertThat(accumulator(harness, ServingFunction.ACC_SCORED)).isEqualTo(expectedScored);
        assertThat(accumulator(harness, ServingFunction.ACC_HITS)).isEqualTo(expectedHits);
        // NDCG@10 gains: 3 at rank 1 -> 1/log2(3), 4 at rank 2 -> 1/log2(4) = 0.5, the miss 0.
        Object gain = harness.getEnvironment()
                .getAccumulatorRegistry()
                .getUserMap()
                .get(ServingFunction.ACC_NDCG)
                .getLocalValue();
        assertThat((Double) gain).isCloseTo(Math.log(2) / Math.log(3) + 0.5, within(1e-12));
    }

    @ParameterizedTest(name = "max staleness {0} ms -> hits {1}")
    @CsvSource({"1000, 1", "60000, 0"})
    void shouldScoreAgainstAFreshListOnlyWhenTheServedOneIsStale(long maxStaleness, long hits) throws Exception {
        ModelConfig config = config();
        config.maxStalenessMs = maxStaleness;
        var harness = open(config, false);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        interact(harness, USER, 1, 1000, history(new long[] {1}, new double[] {2}, 1000));
        publish(harness, 2, 2000, modelV2(), TRENDING_V1);

        // 1500 ms after the list was served. Served list [2, 3, 5] misses 7; recomputed with version 2
        // from the history before this event it starts with 7 (2 x 10 / sqrt(4 x 1) = 10).
        interact(harness, USER, 7, 2500, history(new long[] {1, 7}, new double[] {2, 2}, 2500));

        assertThat(accumulator(harness, ServingFunction.ACC_SCORED)).isEqualTo(1L);
        assertThat(accumulator(harness, ServingFunction.ACC_HITS)).isEqualTo(hits);
    }

    @Test
    void shouldKeepOnlyNewestSnapshotPerItemAndDropTombstonedItems() throws Exception {
        var harness = open(config(), false);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        ItemSnapshot tombstone = item(2, 2000, 0, new long[0], new double[0]);
        tombstone.trending = 0;
        publish(harness, 2, 2000, List.of(tombstone, modelV2().get(0)), 5, 3, 1, 4);

        BroadcastState<Long, ItemVersions> items = harness.getBroadcastState(FreshRecState.MODEL_ITEMS);
        Set<Long> known = new HashSet<>();
        items.entries().forEach(entry -> known.add(entry.getKey()));
        assertThat(known).containsExactlyInAnyOrder(1L, 3L, 4L, 5L);
        assertThat(items.get(1L).times).containsExactly(2000L);
        assertThat(items.get(1L).snapshots[0].neighbours).containsExactly(7L, 2L, 3L);
        ModelVersion log =
                harness.getBroadcastState(FreshRecState.MODEL_VERSION).get(0);
        assertThat(log.versions).containsExactly(2L);

        interact(harness, USER, 1, 2500, history(new long[] {1}, new double[] {2}, 2500));

        // 7 and 2 are unknown to the model now (7 was never published in this test): only 3 scores.
        Recommendations list = last(harness);
        assertThat(list.items).containsExactly(3L, 5L, 4L);
        assertThat(list.modelVersion).isEqualTo(2L);
        assertList(list, reference(history(new long[] {1}, new double[] {2}, 2500), Set.of(1L)));
    }

    @Test
    void shouldRefreshAnActiveUsersListWhenTheModelMovesOnAndStopOnceTheUserIsIdle() throws Exception {
        var harness = open(config(), false, 1000);
        harness.setProcessingTime(0);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        UserHistory user = history(new long[] {1}, new double[] {2}, 1000);
        interact(harness, USER, 1, 1000, user);
        Recommendations first = last(harness);
        assertThat(first.modelVersion).isEqualTo(1L);
        assertList(first, reference(user, Set.of(1L)));
        int emitted = lists(harness).size();

        // No new version: the refresh timer fires and leaves the list alone.
        long served = first.updatedAt;
        harness.setProcessingTime(served + 1000);
        assertThat(lists(harness)).hasSize(emitted);

        // Version 2 gives item 1 a strong neighbour 7: the next refresh serves it without a new event.
        publish(harness, 2, 2000, modelV2(), TRENDING_V1);
        harness.setProcessingTime(served + 2000);
        Recommendations refreshed = last(harness);
        assertThat(lists(harness)).hasSize(emitted + 1);
        assertThat(refreshed.modelVersion).isEqualTo(2L);
        assertThat(refreshed.items[0]).isEqualTo(7L);
        assertList(refreshed, reference(user, Set.of(1L)));
        assertThat(value(harness, USER, FreshRecState.recommendations()).modelVersion)
                .isEqualTo(2L);

        // Ten intervals after the interaction the user counts as idle: no timer is left behind.
        harness.setProcessingTime(served + 11 * 1000);
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    /**
     * A refresh after the input has ended (the watermark at the end of time; a job restored after its input ended
     * refreshes every list once) computes the list at the user's last event, as the end of input did, not at the end
     * of time, where every weight has decayed to nothing.
     */
    @Test
    void shouldRefreshAfterTheInputEndedAtTheUsersLastEventNotAtTheEndOfTime() throws Exception {
        var harness = open(config(), false, 1000);
        harness.setProcessingTime(0);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        UserHistory user = history(new long[] {1}, new double[] {2}, 1000);
        interact(harness, USER, 1, 1000, user);
        harness.processBroadcastWatermark(Long.MAX_VALUE);
        harness.processWatermark(Long.MAX_VALUE);
        long served = last(harness).updatedAt;
        int emitted = lists(harness).size();

        publish(harness, 2, 2000, modelV2(), TRENDING_V1);
        harness.setProcessingTime(served + 1000);

        assertThat(lists(harness)).hasSize(emitted + 1);
        Recommendations refreshed = last(harness);
        assertThat(refreshed.modelVersion).isEqualTo(2L);
        assertThat(refreshed.eventTime).isEqualTo(1000L);
        assertThat(refreshed.items).containsExactly(7L, 2L, 3L);
        assertThat(refreshed.fromTrending).isZero();
        assertList(refreshed, reference(user, Set.of(1L)));
    }

    @Test
    void shouldForgetIdleUserWhenExpiryTimerFires() throws Exception {
        var harness = open(config(), false);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        interact(harness, USER, 1, 1000, history(new long[] {1}, new double[] {2}, 1000));
        // Expiry at 1000 + 10 000 (rounded up to 1000 ms) = 11 000, and the end-of-input timer.
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);

        watermark(harness, 10_999);
        assertThat(value(harness, USER, FreshRecState.recommendations())).isNotNull();

        watermark(harness, 11_000);

        assertThat(keysWithState(harness, "recommendations")).isEmpty();
        assertThat(keysWithState(harness, "served-history")).isEmpty();
        assertThat(keysWithState(harness, "seen")).isEmpty();
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(lists(harness)).hasSize(1);
    }

    @Test
    void shouldRefreshListWithTheFinalModelWhenInputEnds() throws Exception {
        var harness = open(config(), false);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        UserHistory history = history(new long[] {1}, new double[] {2}, 1000);
        interact(harness, USER, 1, 1000, history);
        publish(harness, 2, 2000, modelV2(), TRENDING_V1);

        // End of a bounded input: the watermark jumps to Long.MAX_VALUE on both inputs.
        harness.processBroadcastWatermark(Long.MAX_VALUE);
        harness.processWatermark(Long.MAX_VALUE);

        // With version 2, item 1's neighbours give 7 -> 2 x 10 / sqrt(4 x 1) = 10, 2 -> 2, 3 -> 1/3.
        assertThat(lists(harness))
                .as("lists emitted: on the interaction and once more at end of input")
                .hasSize(2);
        Recommendations refreshed = last(harness);
        assertThat(refreshed.items).containsExactly(7L, 2L, 3L);
        assertThat(refreshed.modelVersion).isEqualTo(2L);
        assertList(refreshed, reference(history, Set.of(1L)));
        assertThat(value(harness, USER, FreshRecState.recommendations()).items).containsExactly(7L, 2L, 3L);
        // The expiry timer (11 000) fired at the final watermark too, but the end of input is not idleness.
        assertThat(keysWithState(harness, "served-history")).containsExactly(USER);
        assertThat(keysWithState(harness, "seen")).containsExactly(USER);
    }

    @Test
    void shouldHoldProfileUntilWatermarkAndServeItWithTheModelVersionValidAtItsTime() throws Exception {
        var harness = open(config(), true);
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        Map<Long, ItemSnapshot> v1 = new HashMap<>(model);
        long[] trendingV1 = trending;
        publish(harness, 2, 2000, modelV2(), 7, 5, 3, 1, 2);

        UserHistory history = history(new long[] {1}, new double[] {2}, 1500);
        interact(harness, USER, 1, 1500, history);
        interact(harness, 2L, 9, 2500, history(new long[] {9}, new double[] {1}, 2500));

        assertThat(lists(harness)).isEmpty();
        assertThat(list(harness, USER, FreshRecState.pendingProfiles()))
                .extracting(p -> p.time)
                .containsExactly(1500L);
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);

        watermark(harness, 1499);
        assertThat(lists(harness)).isEmpty();

        watermark(harness, 1500);

        // At 1500 the valid model is version 1 (time 1000), although version 2 has already arrived.
        assertThat(lists(harness)).singleElement().satisfies(list -> {
            assertThat(list.userId).isEqualTo(USER);
            assertThat(list.modelVersion).isEqualTo(1L);
            assertThat(list.items).containsExactly(2L, 3L, 5L);
        });
        Map<Long, ItemSnapshot> v2 = new HashMap<>(model);
        long[] trendingV2 = trending;
        model.clear();
        model.putAll(v1);
        trending = trendingV1;
        assertList(lists(harness).get(0), reference(history, Set.of(1L)));
        assertThat(keysWithState(harness, "pending-profiles")).containsExactly(2L);

        watermark(harness, 2500);

        // The cold-start user at 2500 gets version 2's trending list.
        Recommendations cold = last(harness);
        assertThat(cold.userId).isEqualTo(2L);
        assertThat(cold.modelVersion).isEqualTo(2L);
        assertThat(cold.items).containsExactly(7L, 5L, 3L);
        model.clear();
        model.putAll(v2);
        trending = trendingV2;
        assertList(cold, reference(history(new long[] {9}, new double[] {1}, 2500), Set.of(9L)));
        assertThat(keysWithState(harness, "pending-profiles")).isEmpty();
    }

    /** A user who has interacted with item 1 and now picks {@code item} (scored against the list from [1]). */
    private static void pick(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness,
            long user,
            long item,
            long time)
            throws Exception {
        interact(harness, user, 1, time, history(new long[] {1}, new double[] {2}, time));
        interact(harness, user, item, time + 1, history(new long[] {1, item}, new double[] {2, 2}, time + 1));
    }

    /** Serving with version 1 published and a breaker: window of 4 scored events, a drop of more than half held 1 s and 4 events. */
    private KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> openWithBreaker()
            throws Exception {
        QualityBreaker.Settings breaker = new QualityBreaker.Settings(true, 0.5, 1000, 4, 60_000);
        var harness = open(new ServingFunction(config(), 4, false, 0, breaker, 10_000));
        publish(harness, 1, 1000, modelV1(), TRENDING_V1);
        return harness;
    }

    @Test
    void shouldFreezeAtTheVersionFromBeforeAQualityDropAndResumeWhenTheNewestModelRecovers() throws Exception {
        var harness = openWithBreaker();
        long user = 100;
        long time = 2000;
        // Healthy: users who had item 1 pick 2, the top of [2, 3, 5].
        for (int i = 0; i < 8; i++, time += 100) {
            pick(harness, user++, 2, time);
        }
        // Version 2 arrives (1 -> 7 first), then quality falls: picks of the unknown item 9 miss.
        publish(harness, 2, 2900, modelV2(), TRENDING_V1);
        for (int i = 0; i < 9; i++, time += 100) {
            pick(harness, user++, 9, time);
        }
        // The drop began at the third miss (rolling 1/4): 600 ms ago, not yet the hold time.
        assertThat(sideOutput(harness, FreshRecState.QUALITY_ALERTS)).isEmpty();
        for (int i = 0; i < 5; i++, time += 100) {
            pick(harness, user++, 9, time);
        }
        List<QualityAlert> alerts = sideOutput(harness, FreshRecState.QUALITY_ALERTS);
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).kind).isEqualTo(QualityAlert.OPENED);
        assertThat(alerts.get(0).baseline).isCloseTo(1.0, within(0.01)); // the first misses (rolling 0.75, 0.5) fed it
        // The drop began when version 2 was the newest: serving keeps version 2.
        assertThat(alerts.get(0).frozenVersion).isEqualTo(2);

        // Serving is frozen at version 2 while the model moves on to version 3 (1 -> 8 first).
        publish(
                harness,
                3,
                time,
                List.of(
                        item(1, time, 4, new long[] {8, 2}, new double[] {30, 2}),
                        item(8, time, 1, new long[0], new double[0])),
                TRENDING_V1);
        time += 100;
        interact(harness, 999, 1, time, history(new long[] {1}, new double[] {2}, time));
        assertThat(last(harness).modelVersion).isEqualTo(2);
        assertThat(last(harness).items).startsWith(7L);
        time += 100;

        // Picks of 8: the frozen lists ([7, 2, 3]) miss, the newest model's ([8, 2, ...]) hit. Its window is full at
        // the fourth; 1 s later, serving resumes.
        for (int i = 0; i < 10; i++, time += 100) {
            pick(harness, user++, 8, time);
        }
        assertThat(sideOutput(harness, FreshRecState.QUALITY_ALERTS)).hasSize(1); // 600 ms of recovery: not yet
        for (int i = 0; i < 5; i++, time += 100) {
            pick(harness, user++, 8, time);
        }
        alerts = sideOutput(harness, FreshRecState.QUALITY_ALERTS);
        assertThat(alerts).extracting(alert -> alert.kind).containsExactly(QualityAlert.OPENED, QualityAlert.CLOSED);
        assertThat(alerts.get(1).frozenVersion).isEqualTo(2);
        interact(harness, 1000, 1, time, history(new long[] {1}, new double[] {2}, time));
        assertThat(last(harness).modelVersion).isEqualTo(3);
        assertThat(last(harness).items).startsWith(8L);
    }

    @Test
    void shouldFreezeAtTheVersionServedWhenTheDropBeganNotAtALaterOne() throws Exception {
        var harness = openWithBreaker();
        long user = 100;
        long time = 2000;
        for (int i = 0; i < 8; i++, time += 100) {
            pick(harness, user++, 2, time);
        }
        for (int i = 0; i < 3; i++, time += 100) {
            pick(harness, user++, 9, time); // the drop begins under version 1
        }
        publish(harness, 2, time, modelV2(), TRENDING_V1); // a version published during the drop
        for (int i = 0; i < 10; i++, time += 100) {
            pick(harness, user++, 9, time);
        }
        List<QualityAlert> alerts = sideOutput(harness, FreshRecState.QUALITY_ALERTS);
        assertThat(alerts).extracting(alert -> alert.frozenVersion).containsExactly(1L);
        interact(harness, 999, 1, time, history(new long[] {1}, new double[] {2}, time));
        assertThat(last(harness).modelVersion).isEqualTo(1);
        assertThat(last(harness).items).containsExactly(2L, 3L, 5L);
    }
}
