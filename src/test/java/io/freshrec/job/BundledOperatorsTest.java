package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.barrier;
import static io.freshrec.job.HarnessSupport.keysWithState;
import static io.freshrec.job.HarnessSupport.list;
import static io.freshrec.job.HarnessSupport.map;
import static io.freshrec.job.HarnessSupport.sideOutput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.model.Decay;
import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundles of user-history and item-model (on RocksDB): between two watermarks a key's records stay in memory, so
 * however many a key receives, its state is read and written once per watermark step and no timer is registered for
 * them; a checkpoint barrier moves the bundle to pending state with one timer per key and due time, so a snapshot
 * taken mid-bundle restores to exactly the output of a run without it; a full bundle moves to state the same way.
 */
class BundledOperatorsTest {
    private static final long ITEM = 10L;
    private static final long USER = 1L;

    private final HarnessSupport.Opened opened = new HarnessSupport.Opened();

    @AfterEach
    void close() throws Exception {
        opened.close();
    }

    private static ModelConfig config() {
        ModelConfig config = new ModelConfig();
        config.historyLength = 3;
        config.neighbours = 3;
        config.publishIntervalMs = 200;
        config.similarityHalfLifeMs = 1000;
        config.trendingHalfLifeMs = 700;
        config.historyHalfLifeMs = 900;
        return config.validate();
    }

    private <IN, OUT> KeyedOneInputStreamOperatorTestHarness<Long, IN, OUT> open(
            OneInputStreamOperator<IN, OUT> operator, KeySelector<IN, Long> key, OperatorSubtaskState restoreFrom)
            throws Exception {
        return opened.keyed(operator, key, restoreFrom);
    }

    private KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> itemModel(
            ItemModelOperator operator, OperatorSubtaskState restoreFrom) throws Exception {
        return open(operator, update -> update.item, restoreFrom);
    }

    private KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate> userHistory(
            UserHistoryOperator operator, OperatorSubtaskState restoreFrom) throws Exception {
        return open(operator, event -> event.userId, restoreFrom);
    }

    // ---- a state access wrapper: every call on a keyed state handle, counted by state and method ----

    /** Wraps the operator's keyed states in proxies that count each call as "state.method". */
    private static final class StateAccesses {
        final Map<String, Integer> counts = new TreeMap<>();

        @SuppressWarnings("unchecked")
        <S extends State> S wrap(StateDescriptor<S, ?> descriptor, S state) {
            Class<?> type = descriptor instanceof ListStateDescriptor
                    ? ListState.class
                    : descriptor instanceof MapStateDescriptor ? MapState.class : ValueState.class;
            return (S) Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
                        counts.merge(descriptor.getName() + "." + method.getName(), 1, Integer::sum);
                        Object result;
                        try {
                            result = method.invoke(state, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (result instanceof Iterable<?> stored
                                && method.getName().equals("get")) {
                            // What a list read deserialised: counted as "state.records".
                            List<Object> records = new ArrayList<>();
                            stored.forEach(records::add);
                            if (!records.isEmpty()) {
                                counts.merge(descriptor.getName() + ".records", records.size(), Integer::sum);
                            }
                            return records;
                        }
                        return result;
                    });
        }
    }

    /** Item-model counting its RocksDB accesses; without heap copies unless {@code cacheBytes} says so. */
    private static final class CountingItemModel extends ItemModelOperator {
        final transient StateAccesses accesses = new StateAccesses();

        CountingItemModel(ModelConfig config) {
            this(config, 0);
        }

        CountingItemModel(ModelConfig config, long cacheBytes) {
            super(config, DEFAULT_MAX_BUNDLE_SIZE, cacheBytes);
        }

        @Override
        protected <S extends State> S getPartitionedState(StateDescriptor<S, ?> descriptor) throws Exception {
            return accesses.wrap(descriptor, super.getPartitionedState(descriptor));
        }
    }

    private static final class CountingUserHistory extends UserHistoryOperator {
        final transient StateAccesses accesses = new StateAccesses();

        CountingUserHistory(ModelConfig config) {
            this(config, 0);
        }

        CountingUserHistory(ModelConfig config, long cacheBytes) {
            super(config);
            cacheBytes(cacheBytes);
        }

        @Override
        protected <S extends State> S getPartitionedState(StateDescriptor<S, ?> descriptor) throws Exception {
            return accesses.wrap(descriptor, super.getPartitionedState(descriptor));
        }
    }

    // ---- (a) one read and one write of a key's state per watermark step ----

    @Test
    void shouldReadAndWriteAnItemsStateOncePerWatermarkStepWhateverTheNumberOfUpdates() throws Exception {
        CountingItemModel operator = new CountingItemModel(config());
        var harness = itemModel(operator, null);
        // 60 updates of one item over two versions (200 and 400), each touching the pairs with 20 and 30.
        for (int i = 0; i < 60; i++) {
            long time = 100 + 5 * i;
            harness.processElement(
                    ItemUpdate.interaction(ITEM, 1, 1, new long[] {20, 30}, new double[] {1, 0.5}, time), time);
        }

        // Between watermarks: no list append, no timer, no state touched at all.
        assertThat(operator.accesses.counts).isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();

        harness.processWatermark(400);

        // One read and one write of the item, one of each co-occurrence, whatever the number of updates.
        assertThat(operator.accesses.counts)
                .containsOnly(
                        entry("item.value", 1),
                        entry("item.update", 1),
                        entry("cooccurrence.get", 2),
                        entry("cooccurrence.putAll", 1));
        assertThat(sideOutput(harness, FreshRecState.MODEL_DELTAS))
                .extracting(snapshot -> snapshot.versionTime)
                .containsExactly(200L, 400L);
        // Left: the expiry timer.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
    }

    @Test
    void shouldReadTheMapOnlyForCooccurrencesTheNeighbourListDoesNotHold() throws Exception {
        CountingItemModel operator = new CountingItemModel(config());
        var harness = itemModel(operator, null);
        harness.processElement(ItemUpdate.pair(ITEM, 20, 3, 100), 100);
        harness.processElement(ItemUpdate.pair(ITEM, 30, 1, 110), 110);
        harness.processWatermark(200);
        assertThat(operator.accesses.counts).containsEntry("cooccurrence.get", 2);
        operator.accesses.counts.clear();

        // 20 and 30 are listed neighbours now; 40 is new.
        harness.processElement(ItemUpdate.pair(ITEM, 20, 2, 300), 300);
        harness.processElement(ItemUpdate.pair(ITEM, 40, 1, 310), 310);
        harness.processElement(ItemUpdate.pair(ITEM, 30, 5, 320), 320);
        harness.processWatermark(400);

        assertThat(operator.accesses.counts)
                .containsEntry("cooccurrence.get", 1)
                .containsEntry("cooccurrence.putAll", 1);
        // The map holds every pair's full decayed sum, as if each had been read from it.
        Map<Long, DecayedValue> stored = map(harness, ITEM, FreshRecState.cooccurrence());
        long h = config().similarityHalfLifeMs;
        assertThat(stored.get(20L).valueAt(320, h))
                .isCloseTo(Decay.at(3, 100, 320, h) + Decay.at(2, 300, 320, h), within(1e-12));
        assertThat(stored.get(30L).valueAt(320, h)).isCloseTo(Decay.at(1, 110, 320, h) + 5, within(1e-12));
        assertThat(stored.get(40L).valueAt(320, h)).isCloseTo(Decay.at(1, 310, 320, h), within(1e-12));
        assertThat(sideOutput(harness, FreshRecState.MODEL_DELTAS).get(1).neighbours)
                .containsExactly(30L, 20L, 40L);
    }

    @Test
    void shouldNotReadTheMapForANewItemOrForPairsTheHeapCopyHoldsAndWriteItOncePerCheckpoint() throws Exception {
        CountingItemModel operator = new CountingItemModel(config(), BundledKeyedOperator.DEFAULT_CACHE_BYTES);
        var harness = itemModel(operator, null);
        harness.processElement(ItemUpdate.pair(ITEM, 20, 3, 100), 100);
        harness.processElement(ItemUpdate.pair(ITEM, 30, 1, 110), 110);
        harness.processWatermark(200);
        // A new item's map is empty: nothing to read. Its state is read once (it has none yet) and written (written
        // through: queryable); the map's new pairs stay on the heap.
        assertThat(operator.accesses.counts).containsOnly(entry("item.value", 1), entry("item.update", 1));
        operator.accesses.counts.clear();

        // 40 and 50 are new pairs, 20 a known one: the copy knows all three; the item state is on the heap too.
        harness.processElement(ItemUpdate.pair(ITEM, 20, 2, 300), 300);
        harness.processElement(ItemUpdate.pair(ITEM, 40, 1, 310), 310);
        harness.processElement(ItemUpdate.pair(ITEM, 50, 1, 320), 320);
        harness.processWatermark(400);
        assertThat(operator.accesses.counts).containsOnly(entry("item.update", 1));
        operator.accesses.counts.clear();

        // Not at the barrier (the operators downstream need not wait for it) but in the checkpoint's synchronous
        // phase, before the keyed state is snapshotted: the two versions' changes in one batch.
        HarnessSupport.barrier(harness);
        assertThat(operator.accesses.counts).isEmpty();
        harness.snapshot(1, 1);
        assertThat(operator.accesses.counts).containsOnly(entry("cooccurrence.putAll", 1));
        operator.accesses.counts.clear();
        harness.snapshot(2, 2); // nothing changed since
        assertThat(operator.accesses.counts).isEmpty();
        // The map holds every pair's full decayed sum.
        Map<Long, DecayedValue> stored = map(harness, ITEM, FreshRecState.cooccurrence());
        long h = config().similarityHalfLifeMs;
        assertThat(stored.get(20L).valueAt(300, h)).isCloseTo(Decay.at(3, 100, 300, h) + 2, within(1e-12));
        assertThat(stored).containsOnlyKeys(20L, 30L, 40L, 50L);
    }

    @Test
    void shouldRegisterOneTimerPerKeyAndVersionWhenABarrierMovesTheBundleToState() throws Exception {
        CountingItemModel operator = new CountingItemModel(config());
        var harness = itemModel(operator, null);
        for (int i = 0; i < 40; i++) {
            long time = 210 + 10 * (i % 30); // versions 400 and 600
            harness.processElement(ItemUpdate.pair(ITEM, 20 + i % 3, 1, time), time);
            harness.processElement(ItemUpdate.pair(11, 20, 1, time), time);
        }

        barrier(harness);

        // One append per key, one timer per key and version: 10 and 11 at 400 and at 600.
        assertThat(operator.accesses.counts).containsOnly(entry("pending-updates.addAll", 2));
        assertThat(list(harness, ITEM, FreshRecState.pendingItemUpdates())).hasSize(40);
        assertThat(harness.numEventTimeTimers()).isEqualTo(4);
        operator.accesses.counts.clear();

        harness.processWatermark(600);

        // The timer at 400 takes every pending update (both versions are due): the later timer finds nothing.
        assertThat(operator.accesses.counts)
                .containsEntry("pending-updates.get", 4)
                .containsEntry("pending-updates.clear", 2)
                .containsEntry("item.update", 2)
                .containsEntry("cooccurrence.putAll", 2);
        assertThat(keysWithState(harness, "pending-updates")).isEmpty();
        assertThat(sideOutput(harness, FreshRecState.MODEL_DELTAS))
                .extracting(snapshot -> snapshot.item + "@" + snapshot.versionTime)
                .containsExactlyInAnyOrder("10@400", "10@600", "11@400", "11@600");
    }

    @Test
    void shouldReadAndWriteAUsersHistoryOncePerWatermarkStepWhateverTheNumberOfEvents() throws Exception {
        CountingUserHistory operator = new CountingUserHistory(config());
        var harness = userHistory(operator, null);
        for (int i = 0; i < 30; i++) {
            Interaction event = new Interaction(USER, 100 + i % 7, EventType.CLICK, Double.NaN, 1000 - 10 * i);
            harness.processElement(event, event.timestamp);
        }

        assertThat(operator.accesses.counts).isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();

        harness.processWatermark(1000);

        assertThat(operator.accesses.counts).containsOnly(entry("history.value", 1), entry("history.update", 1));
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES)).hasSize(30);
        // Left: the expiry timer.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
    }

    @Test
    void shouldWriteAUsersHistoryOncePerCheckpointWithTheHeapCopy() throws Exception {
        CountingUserHistory operator = new CountingUserHistory(config(), BundledKeyedOperator.DEFAULT_CACHE_BYTES);
        var harness = userHistory(operator, null);
        // Five watermark steps, six events each.
        for (int step = 1; step <= 5; step++) {
            for (int i = 0; i < 6; i++) {
                long time = step * 1000L - 10 * i;
                harness.processElement(new Interaction(USER, 100 + i, EventType.CLICK, Double.NaN, time), time);
            }
            harness.processWatermark(step * 1000L);
        }
        // Read once (then on the heap), not written yet.
        assertThat(operator.accesses.counts).containsOnly(entry("history.value", 1));
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES)).hasSize(30);
        operator.accesses.counts.clear();

        harness.snapshot(1, 1);
        assertThat(operator.accesses.counts).containsOnly(entry("history.update", 1));
        assertThat(HarnessSupport.value(harness, USER, FreshRecState.userHistory()).events)
                .isEqualTo(30);
    }

    // ---- (b) a snapshot with a non-empty bundle restores to the same output ----

    /** One step of a run: a record, or a watermark (record null). */
    private record Step<T>(T record, long time) {}

    /** Updates of items 10..13 with times drifting forward, some behind the watermark, and watermarks every 8. */
    private static List<Step<ItemUpdate>> itemSteps(long seed) {
        Random random = new Random(seed);
        List<Step<ItemUpdate>> steps = new ArrayList<>();
        long clock = 0;
        for (int i = 1; i <= 160; i++) {
            clock += random.nextInt(12);
            long time = Math.max(0, clock - random.nextInt(150));
            long item = ITEM + random.nextInt(4);
            ItemUpdate update = random.nextBoolean()
                    ? ItemUpdate.pair(item, 20 + random.nextInt(5), 0.5 + random.nextInt(6), time)
                    : ItemUpdate.interaction(
                            item,
                            1 + random.nextInt(3),
                            1 + random.nextInt(5),
                            new long[] {20 + random.nextInt(5)},
                            new double[] {0.5 + random.nextInt(4)},
                            time);
            steps.add(new Step<>(update, time));
            if (i % 8 == 0) {
                steps.add(new Step<>(null, clock - 100));
            }
        }
        steps.add(new Step<>(null, Long.MAX_VALUE));
        return steps;
    }

    private static List<Step<Interaction>> userSteps(long seed) {
        Random random = new Random(seed);
        EventType[] types = {EventType.VIEW, EventType.CLICK, EventType.ADD_TO_CART, EventType.PURCHASE};
        List<Step<Interaction>> steps = new ArrayList<>();
        long clock = 0;
        for (int i = 1; i <= 160; i++) {
            clock += random.nextInt(12);
            long time = Math.max(0, clock - random.nextInt(150));
            Interaction event = new Interaction(
                    USER + random.nextInt(4), 100 + random.nextInt(8), types[random.nextInt(4)], Double.NaN, time);
            steps.add(new Step<>(event, time));
            if (i % 8 == 0) {
                steps.add(new Step<>(null, clock - 100));
            }
        }
        steps.add(new Step<>(null, Long.MAX_VALUE));
        return steps;
    }

    private static <T> void run(
            KeyedOneInputStreamOperatorTestHarness<Long, T, ?> harness, List<Step<T>> steps, int from, int to)
            throws Exception {
        long watermark = Long.MIN_VALUE;
        for (Step<T> step : steps.subList(from, to)) {
            if (step.record() != null) {
                harness.processElement(step.record(), step.time());
            } else if (step.time() > watermark) {
                watermark = step.time();
                harness.processWatermark(step.time());
            }
        }
    }

    /** Every field of a snapshot, doubles in their exact round-trip form, per item in publication order. */
    private static Map<Long, List<String>> byItem(List<ItemSnapshot> snapshots) {
        Map<Long, List<String>> items = new TreeMap<>();
        for (ItemSnapshot s : snapshots) {
            items.computeIfAbsent(s.item, k -> new ArrayList<>())
                    .add(s.versionTime + " " + s.time + " " + s.norm + " " + s.trending + " "
                            + Arrays.toString(s.neighbours) + " " + Arrays.toString(s.cooccurrence));
        }
        return items;
    }

    /**
     * Every update and profile a user-history run emitted, exactly: each user's profiles in emission order, the updates
     * of each item as a sorted list (updates of different users to one item may interleave either way).
     */
    private static Map<String, List<String>> byUser(
            List<ItemUpdate> updates, List<ProfileUpdate> profiles, Map<String, List<String>> into) {
        for (ItemUpdate u : updates) {
            into.computeIfAbsent("updates of item " + u.item, k -> new ArrayList<>())
                    .add(u.time + " " + u.interaction + " " + u.weight + " " + u.normIncrement + " "
                            + Arrays.toString(u.others) + " " + Arrays.toString(u.amounts));
        }
        for (ProfileUpdate p : profiles) {
            into.computeIfAbsent("profiles of user " + p.userId, k -> new ArrayList<>())
                    .add(p.itemId + "@" + p.time + " " + Arrays.toString(p.history.items) + " "
                            + Arrays.toString(p.history.weights) + " " + p.history.events);
        }
        into.forEach((name, values) -> {
            if (name.startsWith("updates")) {
                values.sort(null);
            }
        });
        return into;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void shouldPublishTheSameItemVersionsAfterASnapshotTakenWithANonEmptyBundle(long seed) throws Exception {
        List<Step<ItemUpdate>> steps = itemSteps(seed);
        var straight = itemModel(new ItemModelOperator(config()), null);
        run(straight, steps, 0, steps.size());
        Map<Long, List<String>> expected = byItem(sideOutput(straight, FreshRecState.MODEL_DELTAS));

        int cut = steps.size() / 2 + 3; // not right after a watermark: the bundle holds updates
        var before = itemModel(new ItemModelOperator(config()), null);
        run(before, steps, 0, cut);
        barrier(before);
        assertThat(keysWithState(before, "pending-updates"))
                .as("keys with spilled updates")
                .isNotEmpty();
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<ItemSnapshot> published = new ArrayList<>(sideOutput(before, FreshRecState.MODEL_DELTAS));
        var after = itemModel(new ItemModelOperator(config()), snapshot);
        run(after, steps, cut, steps.size());
        published.addAll(sideOutput(after, FreshRecState.MODEL_DELTAS));

        assertThat(expected.values().stream().mapToInt(List::size).sum()).isGreaterThan(10);
        assertThat(byItem(published)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void shouldEmitTheSameUserUpdatesAfterASnapshotTakenWithANonEmptyBundle(long seed) throws Exception {
        List<Step<Interaction>> steps = userSteps(seed);
        var straight = userHistory(new UserHistoryOperator(config()), null);
        run(straight, steps, 0, steps.size());
        Map<String, List<String>> expected = byUser(
                straight.extractOutputValues(), sideOutput(straight, FreshRecState.PROFILE_UPDATES), new TreeMap<>());

        int cut = steps.size() / 2 + 3;
        var before = userHistory(new UserHistoryOperator(config()), null);
        run(before, steps, 0, cut);
        barrier(before);
        assertThat(keysWithState(before, "pending-events"))
                .as("keys with spilled events")
                .isNotEmpty();
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        Map<String, List<String>> emitted = byUser(
                before.extractOutputValues(), sideOutput(before, FreshRecState.PROFILE_UPDATES), new TreeMap<>());
        var after = userHistory(new UserHistoryOperator(config()), snapshot);
        run(after, steps, cut, steps.size());
        byUser(after.extractOutputValues(), sideOutput(after, FreshRecState.PROFILE_UPDATES), emitted);

        assertThat(emitted).isEqualTo(expected);
    }

    // ---- the bound ----

    @Test
    void shouldMoveAFullBundleToStateAndStillPublishTheSameVersions() throws Exception {
        List<Step<ItemUpdate>> steps = itemSteps(7);
        var unbounded = itemModel(new ItemModelOperator(config()), null);
        run(unbounded, steps, 0, steps.size());

        var bounded = itemModel(new ItemModelOperator(config(), 5), null);
        run(bounded, steps, 0, 30);
        // Never more than 5 updates in memory: the rest went to pending state, with their timers.
        assertThat(keysWithState(bounded, "pending-updates")).isNotEmpty();
        assertThat(bounded.numEventTimeTimers()).isPositive();
        run(bounded, steps, 30, steps.size());

        assertThat(byItem(sideOutput(bounded, FreshRecState.MODEL_DELTAS)))
                .isEqualTo(byItem(sideOutput(unbounded, FreshRecState.MODEL_DELTAS)));
    }

    @Test
    void shouldMoveAFullUserBundleToStateAndStillApplyEventsInOrder() throws Exception {
        List<Step<Interaction>> steps = userSteps(7);
        var unbounded = userHistory(new UserHistoryOperator(config()), null);
        run(unbounded, steps, 0, steps.size());
        var bounded = userHistory(new UserHistoryOperator(config(), 3), null);
        run(bounded, steps, 0, 30);
        assertThat(keysWithState(bounded, "pending-events")).isNotEmpty();
        run(bounded, steps, 30, steps.size());

        assertThat(byUser(
                        bounded.extractOutputValues(),
                        sideOutput(bounded, FreshRecState.PROFILE_UPDATES),
                        new TreeMap<>()))
                .isEqualTo(byUser(
                        unbounded.extractOutputValues(),
                        sideOutput(unbounded, FreshRecState.PROFILE_UPDATES),
                        new TreeMap<>()));
    }

    // ---- (c) a bursty user's pending list is read once, not once per watermark step ----

    @Test
    void shouldReadABurstyUsersPendingListOnceHoweverManyWatermarkStepsItSpans() throws Exception {
        CountingUserHistory operator = new CountingUserHistory(config());
        var harness = userHistory(operator, null);
        // One user, 3,000 events spread over 300 distinct times, all waiting when a barrier moves them to state.
        int events = 3000;
        for (int i = 0; i < events; i++) {
            long time = 1000 + 10 * (i % 300);
            harness.processElement(new Interaction(USER, 100 + i % 11, EventType.VIEW, Double.NaN, time), time);
        }
        barrier(harness);
        assertThat(operator.accesses.counts).containsOnly(entry("pending-events.addAll", 1));
        operator.accesses.counts.clear();

        // 300 watermark steps, each making a tenth of a second of them due.
        for (int step = 1; step <= 300; step++) {
            harness.processWatermark(1000 + 10 * step - 10);
        }

        // Every event applied once, in order; the stored events read once (the first due timer takes the list and
        // keeps what is not due yet in memory; the later timers find it empty), never re-read per step: linear in
        // the burst, not quadratic (300 x 3,000 records before bundles).
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES)).hasSize(events);
        assertThat(operator.accesses.counts.get("pending-events.records")).isEqualTo(events);
        assertThat(operator.accesses.counts.get("pending-events.clear")).isEqualTo(1);
        assertThat(operator.accesses.counts.getOrDefault("pending-events.addAll", 0)
                        + operator.accesses.counts.getOrDefault("pending-events.update", 0))
                .isZero();
        assertThat(operator.accesses.counts.get("history.value")).isEqualTo(300);
    }
}
