package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.barrier;
import static io.freshrec.job.HarnessSupport.keysWithState;
import static io.freshrec.job.HarnessSupport.list;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keyed by item, on RocksDB. Unless a test says otherwise: publish interval 200 ms, item ttl 1000 ms
 * (expiry rounded up to 100 ms), 2 neighbour candidates, no similarity decay and a trending half-life
 * of a year (negligible over these milliseconds).
 *
 * <p>Updates wait in pending state; the version at W (a multiple of 200) applies, once the watermark
 * reaches W, exactly the buffered updates before W and publishes one snapshot with versionTime W.
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
        var harness = HarnessSupport.rocksDbHarness(
                new ItemModelOperator(config), update -> update.item, Types.LONG, environment);
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

    private static ItemUpdate interaction(
            long item, double weight, double norm, long[] others, double[] amounts, long time) {
        return ItemUpdate.interaction(item, weight, norm, others, amounts, time);
    }

    private static List<ItemSnapshot> deltas(KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> harness) {
        return sideOutput(harness, FreshRecState.MODEL_DELTAS);
    }

    private static List<ItemUpdate> pending(
            KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> harness, long item) throws Exception {
        return list(harness, item, FreshRecState.pendingItemUpdates());
    }

    // ---- reference: the model's definition, by brute force ----

    private static double decay(long dt, long halfLife) {
        return halfLife == 0 ? 1.0 : Math.pow(0.5, (double) dt / halfLife);
    }

    /**
     * What the snapshot of {@code item} in the version at {@code versionTime} must hold when {@code
     * applied} are all the updates it has received so far: every value summed from scratch and stated
     * at the newest applied update's time; neighbours the top {@code config.neighbours} by total
     * (ties: smaller id).
     */
    private static ItemSnapshot expected(long item, long versionTime, List<ItemUpdate> applied, ModelConfig config) {
        long at = applied.stream().mapToLong(u -> u.time).max().orElseThrow();
        double norm = 0;
        double trending = 0;
        Map<Long, Double> totals = new HashMap<>();
        for (ItemUpdate update : applied) {
            if (update.interaction) {
                norm += update.normIncrement * decay(at - update.time, config.similarityHalfLifeMs);
                trending += update.weight * decay(at - update.time, config.trendingHalfLifeMs);
            }
            for (int i = 0; i < update.others.length; i++) {
                totals.merge(
                        update.others[i],
                        update.amounts[i] * decay(at - update.time, config.similarityHalfLifeMs),
                        Double::sum);
            }
        }
        List<Map.Entry<Long, Double>> ranked = totals.entrySet().stream()
                .sorted(Comparator.<Map.Entry<Long, Double>>comparingDouble(e -> -e.getValue())
                        .thenComparing(Map.Entry::getKey))
                .limit(config.neighbours)
                .toList();
        ItemSnapshot snapshot = new ItemSnapshot();
        snapshot.item = item;
        snapshot.time = at;
        snapshot.versionTime = versionTime;
        snapshot.norm = norm;
        snapshot.trending = trending;
        snapshot.neighbours = ranked.stream().mapToLong(Map.Entry::getKey).toArray();
        snapshot.cooccurrence = ranked.stream().mapToDouble(Map.Entry::getValue).toArray();
        return snapshot;
    }

    private static void assertSnapshot(ItemSnapshot actual, ItemSnapshot expected) {
        assertThat(actual.item).as("item").isEqualTo(expected.item);
        assertThat(actual.versionTime).as("versionTime").isEqualTo(expected.versionTime);
        assertThat(actual.time).as("time").isEqualTo(expected.time);
        assertThat(actual.norm).as("norm").isCloseTo(expected.norm, EPS);
        assertThat(actual.trending).as("trending").isCloseTo(expected.trending, EPS);
        assertThat(actual.neighbours).as("neighbours").containsExactly(expected.neighbours);
        assertThat(actual.cooccurrence).as("co-occurrence").hasSameSizeAs(expected.cooccurrence);
        for (int i = 0; i < expected.cooccurrence.length; i++) {
            assertThat(actual.cooccurrence[i]).as("co-occurrence " + i).isCloseTo(expected.cooccurrence[i], EPS);
        }
    }

    /** Every field of a snapshot, doubles in their exact round-trip form: equal strings, identical snapshots. */
    private static String exactly(ItemSnapshot snapshot) {
        return "item " + snapshot.item + " version " + snapshot.versionTime + " time " + snapshot.time + " norm "
                + snapshot.norm + " trending " + snapshot.trending + " neighbours "
                + Arrays.toString(snapshot.neighbours)
                + " co-occurrence " + Arrays.toString(snapshot.cooccurrence);
    }

    private static List<String> exactly(List<ItemSnapshot> snapshots) {
        return snapshots.stream().map(ItemModelFunctionTest::exactly).toList();
    }

    // ---- buffering and versions ----

    @Test
    void shouldBufferUpdateInPendingStateAndWriteNoItemStateBeforeItsVersionTime() throws Exception {
        var harness = open(config());
        ItemUpdate update = interaction(ITEM, 2, 4, new long[] {20}, new double[] {3}, 200);

        send(harness, update);

        assertThat(HarnessSupport.isRocksDb(harness)).isTrue();
        assertThat(deltas(harness)).isEmpty();
        assertThat(harness.extractOutputValues()).isEmpty();
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(pending(harness, ITEM))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(update);
        assertThat(value(harness, ITEM, FreshRecState.itemState())).isNull();
        assertThat(keysWithState(harness, "item")).isEmpty();
        assertThat(keysWithState(harness, "cooccurrence")).isEmpty();
        // Only the version timer: 400, the smallest multiple of 200 strictly after 200.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(metrics.count("lateUpdates")).isZero();

        harness.processWatermark(399);

        assertThat(deltas(harness)).isEmpty();
        assertThat(value(harness, ITEM, FreshRecState.itemState())).isNull();
        assertThat(pending(harness, ITEM)).hasSize(1);

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
        assertThat(state.snapshot.item).isEqualTo(ITEM);
        assertThat(state.snapshot.time).isEqualTo(200L);
        assertThat(state.snapshot.norm).isCloseTo(4, EPS);
        assertThat(state.snapshot.neighbours).containsExactly(20L);
        assertThat(state.lastEventTime).isEqualTo(200L);
        assertThat(state.lastVersionTime).isEqualTo(400L);
        assertThat(state.publications).isEqualTo(1L);
        Map<Long, DecayedValue> cooccurrence = map(harness, ITEM, FreshRecState.cooccurrence());
        assertThat(cooccurrence).containsOnlyKeys(20L);
        assertThat(cooccurrence.get(20L).value).isEqualTo(3.0);
        assertThat(cooccurrence.get(20L).time).isEqualTo(200L);
        assertThat(keysWithState(harness, "pending-updates")).isEmpty();
        // The version timer fired; left is the expiry timer at 200 + 1000 = 1200.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(metrics.count("publications")).isEqualTo(1L);
        assertThat(metrics.count("itemsCreated")).isEqualTo(1L);
        // Held again (the gauge went negative when a returning item expired a second time).
        assertThat(metrics.gauge("items")).isEqualTo(1L);
        harness.processWatermark(2400);
        assertThat(deltas(harness).get(deltas(harness).size() - 1).isTombstone())
                .isTrue();
        assertThat(metrics.gauge("items")).isEqualTo(0L);
    }

    @Test
    void shouldAccumulateUpdatesOfOneIntervalIntoASingleSnapshot() throws Exception {
        var harness = open(config());
        send(harness, interaction(ITEM, 1, 1, new long[] {20}, new double[] {1}, 210));
        send(harness, ItemUpdate.pair(ITEM, 30, 2, 250));
        send(harness, interaction(ITEM, 2, 5, new long[] {20}, new double[] {4}, 390));
        // One version timer (400) for all three; no expiry timer before the state is written.
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

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
        // Expiry for the last activity 390: 1390, rounded up to 1400.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(metrics.count("publications")).isEqualTo(1L);
    }

    @Test
    void shouldApplyOnlyUpdatesBeforeTheVersionTimeAndKeepLaterOnesForTheirOwnVersion() throws Exception {
        ModelConfig config = config();
        var harness = open(config);
        ItemUpdate first = interaction(ITEM, 1, 1, new long[] {20}, new double[] {1}, 210);
        ItemUpdate second = ItemUpdate.pair(ITEM, 30, 2, 390);
        // At the boundary 400: not before 400, so it belongs to version 600.
        ItemUpdate third = interaction(ITEM, 2, 5, new long[] {20}, new double[] {4}, 400);
        ItemUpdate fourth = ItemUpdate.pair(ITEM, 40, 7, 550);
        for (ItemUpdate update : List.of(first, second, third, fourth)) {
            send(harness, update);
        }
        // Version timers 400 and 600.
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);

        harness.processWatermark(400);

        // By hand: 210 and 390 only. Norm 1, trending 1, neighbours 30 (2) before 20 (1).
        assertThat(deltas(harness)).singleElement().satisfies(snapshot -> {
            assertThat(snapshot.versionTime).isEqualTo(400L);
            assertThat(snapshot.time).isEqualTo(390L);
            assertThat(snapshot.norm).isCloseTo(1, EPS);
            assertThat(snapshot.trending).isCloseTo(1, within(1e-6));
            assertThat(snapshot.neighbours).containsExactly(30L, 20L);
            assertThat(snapshot.cooccurrence).containsExactly(new double[] {2, 1}, EPS);
            assertSnapshot(snapshot, expected(ITEM, 400, List.of(first, second), config));
        });
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(pending(harness, ITEM))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactlyInAnyOrder(third, fourth);
        assertThat(map(harness, ITEM, FreshRecState.cooccurrence())).containsOnlyKeys(20L, 30L);
        ItemState state = value(harness, ITEM, FreshRecState.itemState());
        assertThat(state.snapshot.time).isEqualTo(390L);
        assertThat(state.lastVersionTime).isEqualTo(400L);
        // Version 600 and the expiry timer for 390 (1390 -> 1400).
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);

        harness.processWatermark(599);
        assertThat(deltas(harness)).hasSize(1);

        harness.processWatermark(600);

        // By hand: norm 1 + 5, trending 1 + 2; 20: 1 + 4 = 5, 30: 2, 40: 7 -> top two 40, 20.
        assertThat(deltas(harness)).hasSize(2);
        ItemSnapshot second600 = deltas(harness).get(1);
        assertThat(second600.versionTime).isEqualTo(600L);
        assertThat(second600.time).isEqualTo(550L);
        assertThat(second600.norm).isCloseTo(6, EPS);
        assertThat(second600.trending).isCloseTo(3, within(1e-6));
        assertThat(second600.neighbours).containsExactly(40L, 20L);
        assertThat(second600.cooccurrence).containsExactly(new double[] {7, 5}, EPS);
        assertSnapshot(second600, expected(ITEM, 600, List.of(first, second, third, fourth), config));
        assertThat(keysWithState(harness, "pending-updates")).isEmpty();
        assertThat(map(harness, ITEM, FreshRecState.cooccurrence())).containsOnlyKeys(20L, 30L, 40L);
        assertThat(value(harness, ITEM, FreshRecState.itemState()).lastVersionTime)
                .isEqualTo(600L);
        assertThat(value(harness, ITEM, FreshRecState.itemState()).publications).isEqualTo(2L);
    }

    @Test
    void shouldPublishOneSnapshotPerItemAndVersionWhenTheWatermarkPassesSeveralBoundaries() throws Exception {
        ModelConfig config = config();
        var harness = open(config);
        Map<Long, List<ItemUpdate>> byItem = new LinkedHashMap<>();
        byItem.put(
                10L,
                List.of(
                        interaction(10, 1, 1, new long[] {20}, new double[] {1}, 100),
                        ItemUpdate.pair(10, 30, 2, 150),
                        interaction(10, 2, 4, new long[0], new double[0], 199),
                        ItemUpdate.pair(10, 20, 3, 250)));
        byItem.put(
                20L,
                List.of(
                        ItemUpdate.pair(20, 10, 1, 120),
                        interaction(20, 1, 1, new long[] {10}, new double[] {3}, 450),
                        ItemUpdate.pair(20, 40, 1, 460)));
        byItem.put(
                30L, List.of(ItemUpdate.pair(30, 10, 2, 399), interaction(30, 4, 16, new long[0], new double[0], 400)));
        // Arrivals interleave the items.
        for (int i = 0; i < 4; i++) {
            for (List<ItemUpdate> updates : byItem.values()) {
                if (i < updates.size()) {
                    send(harness, updates.get(i));
                }
            }
        }

        harness.processWatermark(1000);

        // Brute force: one version per item and distinct next multiple of 200 strictly after an update.
        Set<String> expectedVersions = new HashSet<>();
        byItem.forEach((item, updates) ->
                updates.forEach(u -> expectedVersions.add(item + "@" + (Math.floorDiv(u.time, 200) * 200 + 200))));
        // By hand: 10 at 200 and 400; 20 at 200 and 600; 30 at 400 and 600.
        assertThat(expectedVersions)
                .containsExactlyInAnyOrder("10@200", "10@400", "20@200", "20@600", "30@400", "30@600");
        List<ItemSnapshot> published = deltas(harness);
        assertThat(published)
                .extracting(s -> s.item + "@" + s.versionTime)
                .containsExactlyInAnyOrderElementsOf(expectedVersions);
        // Per item the versions come in order (one timer may publish several); across items any order.
        for (long item : byItem.keySet()) {
            assertThat(published)
                    .filteredOn(s -> s.item == item)
                    .extracting(s -> s.versionTime)
                    .isSorted();
        }
        assertThat(published).noneMatch(ItemSnapshot::isTombstone);
        for (ItemSnapshot snapshot : published) {
            List<ItemUpdate> before = byItem.get(snapshot.item).stream()
                    .filter(u -> u.time < snapshot.versionTime)
                    .toList();
            assertSnapshot(snapshot, expected(snapshot.item, snapshot.versionTime, before, config));
        }
        assertThat(metrics.count("publications")).isEqualTo(6L);
        assertThat(metrics.count("itemsCreated")).isEqualTo(3L);
        assertThat(keysWithState(harness, "pending-updates")).isEmpty();
    }

    @Test
    void shouldCountLateUpdatesAndPublishThemInTheNextVersionAfterTheWatermark() throws Exception {
        ModelConfig config = config();
        var harness = open(config);
        harness.processWatermark(1000);

        ItemUpdate behind = interaction(ITEM, 1, 1, new long[0], new double[0], 500);
        ItemUpdate atWatermark = interaction(ITEM, 1, 2, new long[0], new double[0], 1000);
        ItemUpdate ahead = ItemUpdate.pair(ITEM, 20, 1, 1100);
        send(harness, behind);
        send(harness, atWatermark);
        send(harness, ahead);

        // 500 and 1000 are at or behind the watermark 1000; a version at 600 or 1000 would already be
        // behind it, so all three go into the next version after the watermark: 1200.
        assertThat(metrics.count("lateUpdates")).isEqualTo(2L);
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(deltas(harness)).isEmpty();
        assertThat(value(harness, ITEM, FreshRecState.itemState())).isNull();

        harness.processWatermark(1199);
        assertThat(deltas(harness)).isEmpty();
        harness.processWatermark(1200);

        assertThat(deltas(harness)).singleElement().satisfies(snapshot -> {
            assertThat(snapshot.versionTime).isEqualTo(1200L);
            assertThat(snapshot.time).isEqualTo(1100L);
            assertThat(snapshot.norm).isCloseTo(1 + 2, EPS);
            assertThat(snapshot.trending).isCloseTo(2, within(1e-6));
            assertThat(snapshot.neighbours).containsExactly(20L);
            assertSnapshot(snapshot, expected(ITEM, 1200, List.of(behind, atWatermark, ahead), config));
        });

        // Late for a version already published (1200): it goes into 1400, version 1200 is not re-sent.
        ItemUpdate lateForPublished = interaction(ITEM, 1, 4, new long[0], new double[0], 1150);
        send(harness, lateForPublished);
        assertThat(metrics.count("lateUpdates")).isEqualTo(3L);
        assertThat(deltas(harness)).hasSize(1);

        harness.processWatermark(1399);
        assertThat(deltas(harness)).hasSize(1);
        harness.processWatermark(1400);

        assertThat(deltas(harness)).hasSize(2);
        ItemSnapshot next = deltas(harness).get(1);
        assertThat(next.versionTime).isEqualTo(1400L);
        assertThat(next.time).isEqualTo(1150L);
        assertThat(next.norm).isCloseTo(1 + 2 + 4, EPS);
        assertSnapshot(next, expected(ITEM, 1400, List.of(behind, atWatermark, ahead, lateForPublished), config));
        assertThat(metrics.count("publications")).isEqualTo(2L);
    }

    @Test
    void shouldNotLetAnUpdateAtOrAfterAPendingBoundaryLeakIntoTheEarlierVersion() throws Exception {
        ModelConfig config = config();
        var harness = open(config);
        ItemUpdate early = interaction(ITEM, 1, 1, new long[0], new double[0], 250);
        send(harness, early);
        harness.processWatermark(300);

        // Version 400 is pending (watermark 300). These belong to version 600: nothing may be published
        // now, and version 400 must not contain them.
        ItemUpdate atBoundary = interaction(ITEM, 1, 3, new long[0], new double[0], 400);
        ItemUpdate after = ItemUpdate.pair(ITEM, 20, 2, 420);
        send(harness, atBoundary);
        send(harness, after);

        assertThat(deltas(harness)).isEmpty();
        assertThat(value(harness, ITEM, FreshRecState.itemState())).isNull();
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(pending(harness, ITEM)).hasSize(3);
        assertThat(metrics.count("lateUpdates")).isZero();
        // Version timers 400 and 600.
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);

        harness.processWatermark(400);

        assertThat(deltas(harness)).singleElement().satisfies(snapshot -> {
            assertThat(snapshot.versionTime).isEqualTo(400L);
            assertThat(snapshot.time).isEqualTo(250L);
            assertThat(snapshot.norm).isCloseTo(1, EPS);
            assertThat(snapshot.trending).isCloseTo(1, within(1e-6));
            assertThat(snapshot.neighbours).isEmpty();
            assertSnapshot(snapshot, expected(ITEM, 400, List.of(early), config));
        });
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(pending(harness, ITEM))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactlyInAnyOrder(atBoundary, after);

        harness.processWatermark(600);

        assertThat(deltas(harness)).hasSize(2);
        ItemSnapshot second = deltas(harness).get(1);
        assertThat(second.versionTime).isEqualTo(600L);
        assertThat(second.time).isEqualTo(420L);
        assertThat(second.norm).isCloseTo(1 + 3, EPS);
        assertThat(second.trending).isCloseTo(2, within(1e-6));
        assertThat(second.neighbours).containsExactly(20L);
        assertSnapshot(second, expected(ITEM, 600, List.of(early, atBoundary, after), config));
    }

    /**
     * Two user-history subtasks each send their updates for the item in their own (time) order; the
     * item model sees any interleaving of the two. Every interleaving must publish the same versions,
     * field for field, matching the brute-force model. The watermark 200 passes as soon as every
     * update before 200 has arrived, so updates of version 400 arrive both before and after it.
     */
    @Test
    void shouldPublishTheSameVersionsWhateverTheInterleavingOfTwoUserHistorySources() throws Exception {
        ModelConfig config = config();
        config.similarityHalfLifeMs = 1000;
        config.trendingHalfLifeMs = 700;
        List<ItemUpdate> sourceA = List.of(
                interaction(ITEM, 2, 4, new long[] {20}, new double[] {2}, 170),
                ItemUpdate.pair(ITEM, 30, 3, 250),
                interaction(ITEM, 1, 5, new long[] {20, 30}, new double[] {1, 1.5}, 330));
        List<ItemUpdate> sourceB = List.of(
                interaction(ITEM, 4, 16, new long[0], new double[0], 50),
                ItemUpdate.pair(ITEM, 20, 2.5, 120),
                // Same time as A's pair at 250.
                interaction(ITEM, 1, 1, new long[0], new double[0], 250),
                ItemUpdate.pair(ITEM, 40, 6, 380));
        List<ItemUpdate> all = new ArrayList<>(sourceA);
        all.addAll(sourceB);
        long beforeFirstVersion = all.stream().filter(u -> u.time < 200).count();

        List<List<ItemUpdate>> orders = interleavings(sourceA, sourceB);
        // C(7, 3) interleavings.
        assertThat(orders).hasSize(35);
        List<List<ItemSnapshot>> runs = new ArrayList<>();
        for (List<ItemUpdate> order : orders) {
            var harness = open(config);
            long sentBeforeFirstVersion = 0;
            boolean passed200 = false;
            for (ItemUpdate update : order) {
                send(harness, update);
                if (update.time < 200) {
                    sentBeforeFirstVersion++;
                }
                if (!passed200 && sentBeforeFirstVersion == beforeFirstVersion) {
                    harness.processWatermark(200);
                    passed200 = true;
                }
            }
            harness.processWatermark(400);
            assertThat(metrics.count("lateUpdates")).isZero();
            runs.add(deltas(harness));
            dispose(harness);
        }

        ItemSnapshot expected200 =
                expected(ITEM, 200, all.stream().filter(u -> u.time < 200).toList(), config);
        ItemSnapshot expected400 = expected(ITEM, 400, all, config);
        // By hand: version 200 holds 50, 120, 170 (neighbour 20 only); version 400 everything, stated at
        // 380: 40 (6) > 20 (2.5 x 0.5^0.26 + 2 x 0.5^0.21 + 0.5^0.05 = 4.78) > 30 (3 x 0.5^0.13 + 1.5 x
        // 0.5^0.05 = 4.19), so 30 is not among the two.
        assertThat(expected200.neighbours).containsExactly(20L);
        assertThat(expected200.time).isEqualTo(170L);
        assertThat(expected400.neighbours).containsExactly(40L, 20L);
        assertThat(expected400.time).isEqualTo(380L);
        assertThat(expected400.norm)
                .isCloseTo(
                        16 * Math.pow(0.5, 0.33)
                                + 4 * Math.pow(0.5, 0.21)
                                + Math.pow(0.5, 0.13)
                                + 5 * Math.pow(0.5, 0.05),
                        EPS);
        for (int run = 0; run < runs.size(); run++) {
            List<ItemSnapshot> published = runs.get(run);
            assertThat(published)
                    .as("versions of interleaving %s", orders.get(run))
                    .hasSize(2);
            assertSnapshot(published.get(0), expected200);
            assertSnapshot(published.get(1), expected400);
            assertThat(exactly(published))
                    .as("interleaving %d vs 0", run)
                    .containsExactlyElementsOf(exactly(runs.get(0)));
        }
    }

    /**
     * A new item's first version, where the update that arrives first is not the earliest: one
     * user-history source sends eight interactions at 10, 30, ..., 150, the other one at 190, which may
     * arrive before all of them or after. Both arrival orders must publish the same version 200, field
     * for field (the updates are applied in event-time order either way).
     */
    @Test
    void shouldPublishTheSameFirstVersionWhetherTheEarliestOrTheLatestUpdateArrivesFirst() throws Exception {
        ModelConfig config = config();
        config.similarityHalfLifeMs = 1000;
        config.trendingHalfLifeMs = 700;
        List<ItemUpdate> steady = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            steady.add(interaction(ITEM, 1 + i, (1 + i) * (1 + i), new long[0], new double[0], 10 + 20L * i));
        }
        ItemUpdate latest = interaction(ITEM, 2, 4, new long[0], new double[0], 190);
        List<ItemUpdate> latestLast = new ArrayList<>(steady);
        latestLast.add(latest);
        List<ItemUpdate> latestFirst = new ArrayList<>();
        latestFirst.add(latest);
        latestFirst.addAll(steady);

        List<ItemSnapshot> versions = new ArrayList<>();
        for (List<ItemUpdate> order : List.of(latestLast, latestFirst)) {
            var harness = open(config);
            for (ItemUpdate update : order) {
                send(harness, update);
            }
            harness.processWatermark(200);
            assertThat(deltas(harness)).hasSize(1);
            versions.add(deltas(harness).get(0));
            dispose(harness);
        }

        ItemSnapshot expected = expected(ITEM, 200, latestLast, config);
        assertSnapshot(versions.get(0), expected);
        assertSnapshot(versions.get(1), expected);
        assertThat(exactly(versions.get(1)))
                .as("version 200 when 190 arrives first vs last")
                .isEqualTo(exactly(versions.get(0)));
    }

    /**
     * The same property on generated input: per seed, two sources of updates for one item over three
     * versions (times on a 10 ms grid, so both sources often share a time), decay on, and several random
     * interleavings. Every interleaving must publish field-for-field the versions of the first, and
     * each version must match the brute-force model of the updates before it.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void shouldPublishTheSameVersionsForRandomInterleavingsOfTwoSources(long seed) throws Exception {
        ModelConfig config = config();
        config.similarityHalfLifeMs = 1000;
        config.trendingHalfLifeMs = 700;
        Random random = new Random(seed);
        List<ItemUpdate> sourceA = generatedSource(random, 6);
        List<ItemUpdate> sourceB = generatedSource(random, 6);
        List<ItemUpdate> all = new ArrayList<>(sourceA);
        all.addAll(sourceB);
        Set<Long> versions = new TreeSet<>();
        all.forEach(u -> versions.add(Math.floorDiv(u.time, 200) * 200 + 200));

        List<List<ItemSnapshot>> runs = new ArrayList<>();
        for (int run = 0; run < 6; run++) {
            List<ItemUpdate> order = new ArrayList<>();
            int a = 0;
            int b = 0;
            while (a < sourceA.size() || b < sourceB.size()) {
                boolean takeA = b == sourceB.size() || (a < sourceA.size() && random.nextBoolean());
                order.add(takeA ? sourceA.get(a++) : sourceB.get(b++));
            }
            var harness = open(config);
            for (ItemUpdate update : order) {
                send(harness, update);
            }
            harness.processWatermark(600);
            runs.add(deltas(harness));
            dispose(harness);
        }

        for (List<ItemSnapshot> published : runs) {
            assertThat(published).extracting(snapshot -> snapshot.versionTime).containsExactlyElementsOf(versions);
            for (ItemSnapshot snapshot : published) {
                assertSnapshot(
                        snapshot,
                        expected(
                                ITEM,
                                snapshot.versionTime,
                                all.stream()
                                        .filter(u -> u.time < snapshot.versionTime)
                                        .toList(),
                                config));
            }
            assertThat(exactly(published)).containsExactlyElementsOf(exactly(runs.get(0)));
        }
    }

    /** One source's updates for ITEM in time order: interactions (with 0-2 co-occurring items) and pairs. */
    private static List<ItemUpdate> generatedSource(Random random, int count) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            times.add(10L * random.nextInt(60));
        }
        times.sort(null);
        List<ItemUpdate> updates = new ArrayList<>();
        for (long time : times) {
            List<Long> candidates = new ArrayList<>(List.of(20L, 30L, 40L, 50L));
            Collections.shuffle(candidates, random);
            if (random.nextInt(3) == 0) {
                updates.add(ItemUpdate.pair(ITEM, candidates.get(0), 0.5 + random.nextInt(8) * 0.5, time));
            } else {
                int others = random.nextInt(3);
                long[] ids = new long[others];
                double[] amounts = new double[others];
                for (int i = 0; i < others; i++) {
                    ids[i] = candidates.get(i);
                    amounts[i] = 0.5 + random.nextInt(8) * 0.5;
                }
                double weight = 1 + random.nextInt(4);
                updates.add(interaction(ITEM, weight, weight * weight + random.nextInt(3), ids, amounts, time));
            }
        }
        return updates;
    }

    private void dispose(KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> harness) throws Exception {
        int at = opened.indexOf(harness);
        harness.close();
        opened.remove(at);
        environments.remove(at).close();
    }

    /** Every merge of the two lists that keeps the order within each. */
    private static <T> List<List<T>> interleavings(List<T> a, List<T> b) {
        if (a.isEmpty() || b.isEmpty()) {
            List<T> rest = new ArrayList<>(a);
            rest.addAll(b);
            return List.of(rest);
        }
        List<List<T>> result = new ArrayList<>();
        for (List<T> tail : interleavings(a.subList(1, a.size()), b)) {
            List<T> merged = new ArrayList<>();
            merged.add(a.get(0));
            merged.addAll(tail);
            result.add(merged);
        }
        for (List<T> tail : interleavings(a, b.subList(1, b.size()))) {
            List<T> merged = new ArrayList<>();
            merged.add(b.get(0));
            merged.addAll(tail);
            result.add(merged);
        }
        return result;
    }

    // ---- expiry ----

    @Test
    void shouldEmitTombstoneAndKeepOnlyTheNormWhenItemExpires() throws Exception {
        var harness = open(config());
        send(harness, interaction(ITEM, 2, 4, new long[] {20}, new double[] {3}, 200));
        harness.processWatermark(400);

        harness.processWatermark(1199);
        assertThat(deltas(harness)).hasSize(1);

        // Last activity 200 + ttl 1000 = 1200.
        harness.processWatermark(1200);

        assertThat(deltas(harness)).hasSize(2);
        ItemSnapshot tombstone = deltas(harness).get(1);
        assertThat(tombstone.item).isEqualTo(ITEM);
        assertThat(tombstone.isTombstone()).isTrue();
        assertThat(tombstone.norm).isZero();
        assertThat(tombstone.trending).isZero();
        assertThat(tombstone.neighbours).isEmpty();
        assertThat(tombstone.cooccurrence).isEmpty();
        assertThat(tombstone.versionTime).isEqualTo(1200L);
        assertThat(tombstone.time).isEqualTo(1200L);
        // Only a remnant stays: the norm (others still co-occur with this item), nothing else.
        ItemState remnant = value(harness, ITEM, FreshRecState.itemState());
        assertThat(remnant.snapshot.norm).isEqualTo(4.0);
        assertThat(remnant.snapshot.neighbours).isEmpty();
        assertThat(remnant.snapshot.trending).isZero();
        assertThat(keysWithState(harness, "cooccurrence")).isEmpty();
        assertThat(keysWithState(harness, "pending-updates")).isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(metrics.count("itemsExpired")).isEqualTo(1L);
        assertThat(metrics.gauge("items")).isEqualTo(0L);

        // Coming back, its neighbours start afresh (20 is gone) but the norm carries on (no decay here).
        send(harness, ItemUpdate.pair(ITEM, 30, 1, 1300));
        harness.processWatermark(1400);

        assertThat(deltas(harness)).hasSize(3);
        ItemSnapshot reborn = deltas(harness).get(2);
        assertThat(reborn.versionTime).isEqualTo(1400L);
        assertThat(reborn.neighbours).containsExactly(30L);
        assertThat(reborn.norm).isEqualTo(4.0);
        assertThat(map(harness, ITEM, FreshRecState.cooccurrence())).containsOnlyKeys(30L);
        assertThat(metrics.count("itemsCreated")).isEqualTo(1L);
    }

    @Test
    void shouldPostponeExpiryWhileItemKeepsReceivingUpdates() throws Exception {
        var harness = open(config());
        send(harness, interaction(ITEM, 1, 1, new long[0], new double[0], 200));
        harness.processWatermark(400);
        send(harness, ItemUpdate.pair(ITEM, 20, 1, 900));

        harness.processWatermark(1200);

        assertThat(deltas(harness)).extracting(s -> s.versionTime).containsExactly(400L, 1000L);
        assertThat(deltas(harness)).noneMatch(ItemSnapshot::isTombstone);
        assertThat(keysWithState(harness, "item")).containsExactly(ITEM);

        // Last activity 900: expiry 1900.
        harness.processWatermark(1899);
        assertThat(deltas(harness)).noneMatch(ItemSnapshot::isTombstone);
        harness.processWatermark(1900);

        assertThat(deltas(harness).get(deltas(harness).size() - 1).isTombstone())
                .isTrue();
        // Only the remnant (its norm) stays.
        assertThat(value(harness, ITEM, FreshRecState.itemState()).snapshot.neighbours)
                .isEmpty();
        assertThat(keysWithState(harness, "cooccurrence")).isEmpty();
    }

    @Test
    void shouldNotExpireAnItemWhileLaterUpdatesAreBuffered() throws Exception {
        ModelConfig config = config();
        var harness = open(config);
        ItemUpdate first = interaction(ITEM, 1, 1, new long[0], new double[0], 200);
        send(harness, first);
        harness.processWatermark(400);
        // Expiry at 1200 is due before this update's version (1400).
        ItemUpdate buffered = ItemUpdate.pair(ITEM, 20, 1, 1250);
        send(harness, buffered);

        harness.processWatermark(1200);

        assertThat(deltas(harness)).extracting(s -> s.versionTime).containsExactly(400L);
        assertThat(keysWithState(harness, "item")).containsExactly(ITEM);
        assertThat(metrics.count("itemsExpired")).isZero();
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(pending(harness, ITEM)).hasSize(1);

        harness.processWatermark(1400);

        assertThat(deltas(harness)).hasSize(2).noneMatch(ItemSnapshot::isTombstone);
        assertSnapshot(deltas(harness).get(1), expected(ITEM, 1400, List.of(first, buffered), config));
        assertThat(value(harness, ITEM, FreshRecState.itemState()).lastEventTime)
                .isEqualTo(1250L);
    }

    @Test
    void shouldNotExpireItemsWhenTheWatermarkJumpsToTheEndOfABoundedInput() throws Exception {
        ModelConfig config = config();
        var harness = open(config);
        ItemUpdate early = interaction(ITEM, 2, 4, new long[] {20}, new double[] {3}, 200);
        send(harness, early);
        harness.processWatermark(400);
        ItemUpdate other = interaction(11, 1, 1, new long[] {ITEM}, new double[] {1}, 700);
        send(harness, other);

        // End of input: every timer fires, expiry timers (1200 for ITEM, 1700 for 11) included.
        harness.processWatermark(Long.MAX_VALUE);

        // The pending version 800 of item 11 is still published; nothing is tombstoned.
        assertThat(deltas(harness))
                .extracting(s -> s.item + "@" + s.versionTime)
                .containsExactly("10@400", "11@800");
        assertThat(deltas(harness)).noneMatch(ItemSnapshot::isTombstone);
        assertSnapshot(deltas(harness).get(1), expected(11, 800, List.of(other), config));
        assertThat(keysWithState(harness, "item")).containsExactlyInAnyOrder(ITEM, 11L);
        assertThat(keysWithState(harness, "cooccurrence")).containsExactlyInAnyOrder(ITEM, 11L);
        assertThat(value(harness, ITEM, FreshRecState.itemState()).snapshot.neighbours)
                .containsExactly(20L);
        assertThat(metrics.count("itemsExpired")).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    /**
     * The expiry timer of earlier activity can fall between two version boundaries (ttl 1000 rounds
     * expiry to 100 ms, versions are every 200 ms). An update buffered for the next version must not
     * be applied or published there: every version an item publishes (tombstones aside) is at a
     * multiple of the publish interval and holds exactly the updates before it.
     */
    @Test
    void shouldNotPublishBufferedUpdatesAtAnExpiryTimerBetweenVersionBoundaries() throws Exception {
        ModelConfig config = config();
        var harness = open(config);
        ItemUpdate first = interaction(ITEM, 1, 1, new long[0], new double[0], 250);
        send(harness, first);
        harness.processWatermark(400);
        // Expiry for 250: 1250, rounded up to 1300 -- between the boundaries 1200 and 1400.
        ItemUpdate buffered = ItemUpdate.pair(ITEM, 20, 1, 1280);
        send(harness, buffered);

        harness.processWatermark(1300);

        assertThat(deltas(harness))
                .as("versions published by watermark 1300")
                .extracting(s -> s.versionTime)
                .containsExactly(400L);
        assertThat(value(harness, ITEM, FreshRecState.itemState()).snapshot.neighbours)
                .isEmpty();
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(pending(harness, ITEM)).hasSize(1);

        harness.processWatermark(1400);

        assertThat(deltas(harness)).extracting(s -> s.versionTime).containsExactly(400L, 1400L);
        assertSnapshot(deltas(harness).get(1), expected(ITEM, 1400, List.of(first, buffered), config));
    }

    // ---- neighbours, ordering, keys ----

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
                .sorted(Comparator.<Map.Entry<Long, Double>>comparingDouble(Map.Entry::getValue)
                        .reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(2)
                .toList();
        ItemSnapshot snapshot = deltas(harness).get(0);
        assertThat(snapshot.neighbours)
                .containsExactly(ranked.get(0).getKey(), ranked.get(1).getKey());
        assertThat(snapshot.cooccurrence)
                .containsExactly(ranked.get(0).getValue(), ranked.get(1).getValue());
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
