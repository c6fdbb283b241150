package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.keysWithState;
import static io.freshrec.job.HarnessSupport.map;
import static io.freshrec.job.HarnessSupport.sideOutput;
import static io.freshrec.job.HarnessSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ItemState;
import io.freshrec.model.ModelConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keyed by item, on RocksDB. Unless a test says otherwise: publish interval 200 ms, item ttl 1000 ms
 * (expiry rounded up to 100 ms), 2 neighbour candidates, no similarity decay and a trending half-life
 * of a year (negligible over these milliseconds).
 */
class ItemModelFunctionTest {
    private static final long ITEM = 10L;
    private static final Offset<Double> EPS = within(1e-9);

    private HarnessSupport.CapturedMetrics metrics;
    private final List<MockEnvironment> environments = new ArrayList<>();
    private final List<KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void>> opened = new ArrayList<>();

    private static ModelConfig config() {
        ModelConfig config = new ModelConfig();
        config.neighbours = 2;
        config.publishIntervalMs = 200;
        config.itemTtlMs = 1000;
        config.similarityHalfLifeMs = 0;
        config.trendingHalfLifeMs = 365L * 24 * 3600 * 1000;
        return config.validate();
    }

    private KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> open(ModelConfig config) throws Exception {
        metrics = new HarnessSupport.CapturedMetrics();
        MockEnvironment environment = HarnessSupport.environment(metrics);
        environments.add(environment);
        var harness = HarnessSupport.rocksDbHarness(new ItemModelFunction(config), update -> update.item, Types.LONG,
                environment);
        opened.add(harness);
        return harness;
    }

    @AfterEach
    void close() throws Exception {
        for (var harness : opened) {
            harness.close();
        }
        for (MockEnvironment environment : environments) {
            environment.close();
        }
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> harness, ItemUpdate update)
            throws Exception {
        harness.processElement(update, update.time);
    }

    private static ItemUpdate interaction(long item, double weight, double norm, long[] others, double[] amounts,
            long time) {
        return ItemUpdate.interaction(item, weight, norm, others, amounts, time);
    }

    private static List<ItemSnapshot> deltas(KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> harness) {
        return sideOutput(harness, FreshRecState.MODEL_DELTAS);
    }

    @Test
    void shouldHoldItemStateAndCooccurrenceInRocksDbUntilPublishTime() throws Exception {
        var harness = open(config());

        send(harness, interaction(ITEM, 2, 4, new long[] {20}, new double[] {3}, 200));

        assertThat(HarnessSupport.isRocksDb(harness)).isTrue();
        assertThat(deltas(harness)).isEmpty();
        assertThat(harness.extractOutputValues()).isEmpty();
        ItemState state = value(harness, ITEM, FreshRecState.itemState());
        assertThat(state.snapshot.item).isEqualTo(ITEM);
        assertThat(state.snapshot.time).isEqualTo(200L);
        assertThat(state.snapshot.norm).isCloseTo(4, EPS);
        assertThat(state.snapshot.trending).isCloseTo(2, EPS);
        assertThat(state.snapshot.neighbours).containsExactly(20L);
        assertThat(state.lastEventTime).isEqualTo(200L);
        // Next multiple of 200 strictly after 200.
        assertThat(state.publishAt).isEqualTo(400L);
        Map<Long, DecayedValue> cooccurrence = map(harness, ITEM, FreshRecState.cooccurrence());
        assertThat(cooccurrence).containsOnlyKeys(20L);
        assertThat(cooccurrence.get(20L).value).isEqualTo(3.0);
        assertThat(cooccurrence.get(20L).time).isEqualTo(200L);
        // Publish at 400, expiry at 200 + 1000 = 1200.
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);
    }

    @Test
    void shouldPublishSnapshotWhenWatermarkReachesNextPublishBoundary() throws Exception {
        var harness = open(config());
        send(harness, interaction(ITEM, 2, 4, new long[] {20}, new double[] {3}, 200));

        harness.processWatermark(399);
        assertThat(deltas(harness)).isEmpty();

        harness.processWatermark(400);

        assertThat(deltas(harness)).singleElement().satisfies(snapshot -> {
            assertThat(snapshot.item).isEqualTo(ITEM);
            assertThat(snapshot.time).isEqualTo(200L);
            assertThat(snapshot.versionTime).isEqualTo(400L);
            assertThat(snapshot.norm).isCloseTo(4, EPS);
            assertThat(snapshot.trending).isCloseTo(2, EPS);
            assertThat(snapshot.neighbours).containsExactly(20L);
            assertThat(snapshot.cooccurrence).containsExactly(3.0);
            assertThat(snapshot.isTombstone()).isFalse();
        });
        ItemState state = value(harness, ITEM, FreshRecState.itemState());
        assertThat(state.publishAt).isEqualTo(Long.MIN_VALUE);
        assertThat(state.publications).isEqualTo(1L);
        assertThat(metrics.count("publications")).isEqualTo(1L);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
    }

    @Test
    void shouldAccumulateUpdatesOfOneIntervalIntoASingleSnapshot() throws Exception {
        var harness = open(config());
        send(harness, interaction(ITEM, 1, 1, new long[] {20}, new double[] {1}, 210));
        send(harness, ItemUpdate.pair(ITEM, 30, 2, 250));
        send(harness, interaction(ITEM, 2, 5, new long[] {20}, new double[] {4}, 390));
        // One publish timer (400); expiry 1210 -> 1300 (250 also rounds to 1300), 1390 -> 1400.
        assertThat(harness.numEventTimeTimers()).isEqualTo(3);

        harness.processWatermark(400);

        assertThat(deltas(harness)).singleElement().satisfies(snapshot -> {
            assertThat(snapshot.time).isEqualTo(390L);
            assertThat(snapshot.versionTime).isEqualTo(400L);
            assertThat(snapshot.norm).isCloseTo(1 + 5, EPS);
            assertThat(snapshot.trending).isCloseTo(1 + 2, within(1e-6));
            assertThat(snapshot.neighbours).containsExactly(20L, 30L);
            assertThat(snapshot.cooccurrence[0]).isCloseTo(1 + 4, EPS);
            assertThat(snapshot.cooccurrence[1]).isCloseTo(2, EPS);
        });
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);
    }

    @Test
    void shouldPublishPendingSnapshotFirstWhenUpdateArrivesAtOrAfterPublishTime() throws Exception {
        var harness = open(config());
        send(harness, interaction(ITEM, 1, 1, new long[0], new double[0], 250));

        // The watermark has not reached 400, but this update belongs to the next version.
        send(harness, interaction(ITEM, 1, 3, new long[0], new double[0], 400));

        assertThat(deltas(harness)).singleElement().satisfies(snapshot -> {
            assertThat(snapshot.versionTime).isEqualTo(400L);
            assertThat(snapshot.time).isEqualTo(250L);
            assertThat(snapshot.norm).isCloseTo(1, EPS);
            assertThat(snapshot.trending).isCloseTo(1, within(1e-6));
        });
        assertThat(value(harness, ITEM, FreshRecState.itemState()).publishAt).isEqualTo(600L);

        harness.processWatermark(400);
        assertThat(deltas(harness)).hasSize(1);

        harness.processWatermark(600);

        assertThat(deltas(harness)).hasSize(2);
        ItemSnapshot second = deltas(harness).get(1);
        assertThat(second.versionTime).isEqualTo(600L);
        assertThat(second.time).isEqualTo(400L);
        assertThat(second.norm).isCloseTo(1 + 3, EPS);
        assertThat(second.trending).isCloseTo(2, within(1e-6));
    }

    @Test
    void shouldKeepStrongestNeighboursInSnapshotWhileMapStateHoldsEveryPair() throws Exception {
        var harness = open(config());
        long[][] pairs = {{20, 1}, {30, 5}, {40, 3}, {20, 6}};
        for (int i = 0; i < pairs.length; i++) {
            send(harness, ItemUpdate.pair(ITEM, pairs[i][0], pairs[i][1], 100 + i));
        }

        harness.processWatermark(200);

        // Brute force: total per neighbour, strongest first (ties: smaller id), top 2.
        Map<Long, Double> totals = new LinkedHashMap<>();
        for (long[] pair : pairs) {
            totals.merge(pair[0], (double) pair[1], Double::sum);
        }
        List<Map.Entry<Long, Double>> ranked = totals.entrySet().stream()
                .sorted(Comparator.<Map.Entry<Long, Double>>comparingDouble(Map.Entry::getValue).reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(2)
                .toList();
        ItemSnapshot snapshot = deltas(harness).get(0);
        assertThat(snapshot.neighbours).containsExactly(ranked.get(0).getKey(), ranked.get(1).getKey());
        assertThat(snapshot.cooccurrence).containsExactly(ranked.get(0).getValue(), ranked.get(1).getValue());
        assertThat(snapshot.neighbours).containsExactly(20L, 30L);
        // A pair-only item has no norm or trending but is not a tombstone.
        assertThat(snapshot.norm).isZero();
        assertThat(snapshot.trending).isZero();
        assertThat(snapshot.isTombstone()).isFalse();
        Map<Long, DecayedValue> stored = map(harness, ITEM, FreshRecState.cooccurrence());
        assertThat(stored).containsOnlyKeys(totals.keySet());
        totals.forEach((other, total) -> assertThat(stored.get(other).value).isEqualTo(total));
    }

    @Test
    void shouldRankEqualCooccurrenceBySmallerItemId() throws Exception {
        var harness = open(config());
        send(harness, ItemUpdate.pair(ITEM, 30, 2, 100));
        send(harness, ItemUpdate.pair(ITEM, 20, 2, 110));

        harness.processWatermark(200);

        assertThat(deltas(harness).get(0).neighbours).containsExactly(20L, 30L);
    }

    @Test
    void shouldReachTheSameDecayedModelWhateverTheArrivalOrder() throws Exception {
        ModelConfig config = config();
        config.similarityHalfLifeMs = 1000;
        config.trendingHalfLifeMs = 1000;
        List<ItemUpdate> updates = List.of(
                interaction(ITEM, 2, 4, new long[] {20}, new double[] {4}, 1000),
                ItemUpdate.pair(ITEM, 30, 6, 1000),
                interaction(ITEM, 1, 1, new long[] {20}, new double[] {2}, 2000));
        List<ItemSnapshot> finals = new ArrayList<>();
        for (List<ItemUpdate> order : List.of(updates, List.of(updates.get(2), updates.get(1), updates.get(0)))) {
            var harness = open(config);
            for (ItemUpdate update : order) {
                send(harness, update);
            }
            harness.processWatermark(2200);
            List<ItemSnapshot> published = deltas(harness);
            finals.add(published.get(published.size() - 1));
        }

        // Stated at 2000, one half-life after 1000: values from 1000 count half.
        double half = Math.pow(0.5, 1.0);
        for (ItemSnapshot snapshot : finals) {
            assertThat(snapshot.time).isEqualTo(2000L);
            assertThat(snapshot.versionTime).isEqualTo(2200L);
            assertThat(snapshot.norm).isCloseTo(4 * half + 1, EPS);
            assertThat(snapshot.trending).isCloseTo(2 * half + 1, EPS);
            // 20: 4 x 0.5 + 2 = 4; 30: 6 x 0.5 = 3 (30 led until the update at 2000 arrived).
            assertThat(snapshot.neighbours).containsExactly(20L, 30L);
            assertThat(snapshot.cooccurrence[0]).isCloseTo(4 * half + 2, EPS);
            assertThat(snapshot.cooccurrence[1]).isCloseTo(6 * half, EPS);
        }
    }

    @Test
    void shouldPublishUpdateBehindWatermarkAtNextBoundaryAfterTheWatermark() throws Exception {
        var harness = open(config());
        harness.processWatermark(1000);

        send(harness, interaction(ITEM, 1, 1, new long[0], new double[0], 500));

        // A version at 600 would already be behind the watermark: the update goes into 1200.
        assertThat(value(harness, ITEM, FreshRecState.itemState()).publishAt).isEqualTo(1200L);
        harness.processWatermark(1200);
        assertThat(deltas(harness)).singleElement().satisfies(snapshot -> {
            assertThat(snapshot.versionTime).isEqualTo(1200L);
            assertThat(snapshot.time).isEqualTo(500L);
        });
    }

    @Test
    void shouldEmitTombstoneAndClearStateWhenItemExpires() throws Exception {
        var harness = open(config());
        send(harness, interaction(ITEM, 2, 4, new long[] {20}, new double[] {3}, 200));
        harness.processWatermark(400);

        harness.processWatermark(1199);
        assertThat(deltas(harness)).hasSize(1);

        harness.processWatermark(1200);

        assertThat(deltas(harness)).hasSize(2);
        ItemSnapshot tombstone = deltas(harness).get(1);
        assertThat(tombstone.item).isEqualTo(ITEM);
        assertThat(tombstone.isTombstone()).isTrue();
        assertThat(tombstone.norm).isZero();
        assertThat(tombstone.trending).isZero();
        assertThat(tombstone.neighbours).isEmpty();
        assertThat(tombstone.versionTime).isEqualTo(1200L);
        assertThat(tombstone.time).isEqualTo(1200L);
        assertThat(keysWithState(harness, "item")).isEmpty();
        assertThat(keysWithState(harness, "cooccurrence")).isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(metrics.count("itemsExpired")).isEqualTo(1L);
    }

    @Test
    void shouldPostponeExpiryWhileItemKeepsReceivingUpdates() throws Exception {
        var harness = open(config());
        send(harness, interaction(ITEM, 1, 1, new long[0], new double[0], 200));
        harness.processWatermark(400);
        send(harness, ItemUpdate.pair(ITEM, 20, 1, 900));

        harness.processWatermark(1200);

        assertThat(deltas(harness)).noneMatch(ItemSnapshot::isTombstone);
        assertThat(keysWithState(harness, "item")).containsExactly(ITEM);

        // Last activity 900: expiry 1900.
        harness.processWatermark(1899);
        assertThat(deltas(harness)).noneMatch(ItemSnapshot::isTombstone);
        harness.processWatermark(1900);

        assertThat(deltas(harness).get(deltas(harness).size() - 1).isTombstone()).isTrue();
        assertThat(keysWithState(harness, "item")).isEmpty();
        assertThat(keysWithState(harness, "cooccurrence")).isEmpty();
    }

    @Test
    void shouldKeepItemsApartByKey() throws Exception {
        var harness = open(config());
        send(harness, interaction(10, 1, 1, new long[] {20}, new double[] {1}, 100));
        send(harness, ItemUpdate.pair(20, 10, 1, 100));

        harness.processWatermark(200);

        assertThat(keysWithState(harness, "item")).containsExactlyInAnyOrder(10L, 20L);
        assertThat(deltas(harness)).extracting(s -> s.item).containsExactlyInAnyOrder(10L, 20L);
        assertThat(map(harness, 20L, FreshRecState.cooccurrence())).containsOnlyKeys(10L);
        assertThat(value(harness, 20L, FreshRecState.itemState()).snapshot.norm).isZero();
    }
}
