package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.map;
import static io.freshrec.job.HarnessSupport.sideOutput;
import static io.freshrec.job.HarnessSupport.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ItemState;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.Recommendations;
import io.freshrec.model.SeenItems;
import io.freshrec.model.UserHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The heap caches in front of RocksDB (item-model's co-occurrences, serving's user state) change nothing but the
 * cost: the same input gives exactly the same output and state with the cache off, with one so small it evicts all
 * the time, and with the default, also across a restore (which starts with an empty cache).
 */
class StateCachesTest {
    private final HarnessSupport.Opened opened = new HarnessSupport.Opened();

    @AfterEach
    void close() throws Exception {
        opened.close();
    }

    // ---- item-model ----

    private static ModelConfig itemConfig() {
        ModelConfig config = new ModelConfig();
        config.neighbours = 3;
        config.maxCooccurrences = 8; // pruned often: removals must reach the cache
        config.publishIntervalMs = 100;
        config.similarityHalfLifeMs = 60_000;
        config.itemTtlMs = 20_000; // items expire in the gap below and come back
        return config.validate();
    }

    /** Random interactions and pairs among 25 items, with a 30 s gap half-way. */
    private static List<ItemUpdate> itemStream(int seed) {
        Random random = new Random(seed);
        List<ItemUpdate> updates = new ArrayList<>();
        long time = 1_000;
        for (int i = 0; i < 1_500; i++) {
            time += random.nextInt(7);
            if (i == 750) {
                time += 30_000;
            }
            long item = random.nextInt(25);
            int n = random.nextInt(4);
            long[] others = new long[n];
            double[] amounts = new double[n];
            for (int j = 0; j < n; j++) {
                others[j] = (item + 1 + random.nextInt(24)) % 25;
                amounts[j] = 0.25 + random.nextInt(8) / 4.0;
            }
            updates.add(
                    random.nextBoolean()
                            ? ItemUpdate.interaction(item, 1 + random.nextInt(3), 1.0, others, amounts, time)
                            : ItemUpdate.pair(item, (item + 1 + random.nextInt(24)) % 25, 1.5, time));
        }
        return updates;
    }

    private <IN, OUT> KeyedOneInputStreamOperatorTestHarness<Long, IN, OUT> open(
            OneInputStreamOperator<IN, OUT> operator, KeySelector<IN, Long> key, OperatorSubtaskState restoreFrom)
            throws Exception {
        return opened.keyed(operator, key, restoreFrom);
    }

    private KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> itemModel(
            long cacheBytes, OperatorSubtaskState restoreFrom) throws Exception {
        return open(
                new ItemModelOperator(itemConfig(), BundledKeyedOperator.DEFAULT_MAX_BUNDLE_SIZE, cacheBytes),
                update -> update.item,
                restoreFrom);
    }

    /** Feeds updates[from, to), each copied (the operator keeps what it is given), a watermark every 10. */
    private static void feed(
            KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> harness,
            List<ItemUpdate> updates,
            int from,
            int to)
            throws Exception {
        for (int i = from; i < to; i++) {
            ItemUpdate update = updates.get(i);
            ItemUpdate copy = ItemUpdate.interaction(
                    update.item,
                    update.weight,
                    update.normIncrement,
                    update.others.clone(),
                    update.amounts.clone(),
                    update.time);
            copy.interaction = update.interaction;
            harness.processElement(copy, copy.time);
            if (i % 10 == 9) {
                harness.processWatermark(copy.time - 50);
            }
        }
    }

    /**
     * Every published snapshot as a line, sorted: the order of items within a watermark step is not part of a version
     * (a restore fires the spilled keys' timers in another order).
     */
    private static List<String> snapshots(KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> harness) {
        List<String> lines = new ArrayList<>();
        for (ItemSnapshot snapshot : sideOutput(harness, FreshRecState.MODEL_DELTAS)) {
            StringBuilder text = new StringBuilder();
            text.append(snapshot.item)
                    .append('@')
                    .append(snapshot.versionTime)
                    .append(' ')
                    .append(snapshot.norm)
                    .append(' ')
                    .append(snapshot.trending)
                    .append(' ')
                    .append(Arrays.toString(snapshot.neighbours))
                    .append(Arrays.toString(snapshot.cooccurrence));
            lines.add(text.toString());
        }
        lines.sort(null);
        return lines;
    }

    private static Map<Long, String> maps(KeyedOneInputStreamOperatorTestHarness<Long, ItemUpdate, Void> harness)
            throws Exception {
        Map<Long, String> all = new HashMap<>();
        for (long item = 0; item < 25; item++) {
            Map<Long, DecayedValue> entries = map(harness, item, FreshRecState.cooccurrence());
            ItemState state = value(harness, item, FreshRecState.itemState());
            all.put(
                    item,
                    new java.util.TreeMap<>(entries).toString() + " counted "
                            + (state == null ? "-" : state.cooccurrences));
        }
        return all;
    }

    @Test
    void shouldGiveItemModelTheSameVersionsAndMapsWithAnyCacheSize() throws Exception {
        List<ItemUpdate> updates = itemStream(5);
        var uncached = itemModel(0, null);
        // 7 co-occurrences and an item state or two: smaller than one pruned map, so it evicts all the time
        var tiny = itemModel(7 * CooccurrenceCache.BYTES_PER_ENTRY * 4 / 3 + 4, null);
        var cached = itemModel(BundledKeyedOperator.DEFAULT_CACHE_BYTES, null);
        for (var harness : List.of(uncached, tiny, cached)) {
            feed(harness, updates, 0, updates.size());
            harness.processWatermark(updates.get(updates.size() - 1).time + 1_000);
        }
        assertThat(snapshots(uncached)).isNotEmpty();
        assertThat(snapshots(tiny)).isEqualTo(snapshots(uncached));
        assertThat(snapshots(cached)).isEqualTo(snapshots(uncached));
        assertThat(maps(tiny)).isEqualTo(maps(uncached));
        assertThat(maps(cached)).isEqualTo(maps(uncached));
        // The stream pruned maps and expired items, so both paths were taken.
        assertThat(opened.metrics.get(0).count(MetricNames.COOCCURRENCES_PRUNED))
                .isPositive();
        assertThat(opened.metrics.get(0).count(MetricNames.ITEMS_EXPIRED)).isPositive();
        // The default cache answered nearly every read; the uncached operator none.
        long hits = (Long) opened.metrics.get(2).gauge(MetricNames.COOCCURRENCE_CACHE_HITS);
        long misses = (Long) opened.metrics.get(2).gauge(MetricNames.COOCCURRENCE_CACHE_MISSES);
        assertThat(hits).isGreaterThan(10 * misses);
        assertThat((Long) opened.metrics.get(0).gauge(MetricNames.COOCCURRENCE_CACHE_HITS))
                .isZero();
        assertThat((Long) opened.metrics.get(1).gauge(MetricNames.COOCCURRENCE_CACHE_ENTRIES))
                .isLessThanOrEqualTo(7L);
    }

    @Test
    void shouldGiveItemModelTheSameResultAfterARestoreWithAnEmptyCache() throws Exception {
        List<ItemUpdate> updates = itemStream(8);
        var straight = itemModel(BundledKeyedOperator.DEFAULT_CACHE_BYTES, null);
        feed(straight, updates, 0, updates.size());
        straight.processWatermark(updates.get(updates.size() - 1).time + 1_000);

        var before = itemModel(BundledKeyedOperator.DEFAULT_CACHE_BYTES, null);
        feed(before, updates, 0, 600);
        HarnessSupport.barrier(before);
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<String> published = new ArrayList<>(snapshots(before));
        var after = itemModel(BundledKeyedOperator.DEFAULT_CACHE_BYTES, snapshot);
        feed(after, updates, 600, updates.size());
        after.processWatermark(updates.get(updates.size() - 1).time + 1_000);

        published.addAll(snapshots(after));
        published.sort(null);
        assertThat(published).isEqualTo(snapshots(straight));
        assertThat(maps(after)).isEqualTo(maps(straight));
    }

    // ---- user-history ----

    private KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate> userHistory(long cacheBytes)
            throws Exception {
        ModelConfig config = new ModelConfig();
        config.userTtlMs = 5_000;
        return open(new UserHistoryOperator(config.validate()).cacheBytes(cacheBytes), event -> event.userId, null);
    }

    /** Everything user-history emitted, one line per record: item updates, then profile updates. */
    private static List<String> emitted(KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate> harness) {
        List<String> lines = new ArrayList<>();
        for (ItemUpdate update : harness.extractOutputValues()) {
            lines.add(update.item + "@" + update.time + " " + update.interaction + " " + update.weight + " "
                    + update.normIncrement + " " + Arrays.toString(update.others) + Arrays.toString(update.amounts));
        }
        for (ProfileUpdate profile : sideOutput(harness, FreshRecState.PROFILE_UPDATES)) {
            lines.add(profile.userId + ":" + profile.itemId + "@" + profile.time + " " + profile.history.events + " "
                    + Arrays.toString(profile.history.items) + Arrays.toString(profile.history.weights));
        }
        return lines;
    }

    @Test
    void shouldGiveUserHistoryTheSameUpdatesWithAnyCacheSize() throws Exception {
        Random random = new Random(4);
        List<Interaction> events = new ArrayList<>();
        long time = 1_000;
        for (int i = 0; i < 600; i++) {
            time += random.nextInt(30) + (i == 300 ? 9_000 : 0); // users expire in the gap
            events.add(new Interaction(random.nextInt(15), random.nextInt(40), EventType.VIEW, Double.NaN, time));
        }
        List<KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate>> harnesses =
                List.of(userHistory(0), userHistory(300), userHistory(BundledKeyedOperator.DEFAULT_CACHE_BYTES));
        for (var harness : harnesses) {
            for (int i = 0; i < events.size(); i++) {
                Interaction event = events.get(i);
                harness.processElement(
                        new Interaction(event.userId, event.itemId, event.type, event.value, event.timestamp),
                        event.timestamp);
                if (i % 10 == 9) {
                    harness.processWatermark(event.timestamp - 20);
                }
            }
            harness.processWatermark(time + 1);
        }
        List<String> expected = emitted(harnesses.get(0));
        assertThat(expected).hasSizeGreaterThan(600);
        // A user's history restarts after the gap: some profile updates count from one again.
        assertThat(sideOutput(harnesses.get(0), FreshRecState.PROFILE_UPDATES).subList(300, 600))
                .anyMatch(profile -> profile.history.events == 1);
        assertThat(emitted(harnesses.get(1))).isEqualTo(expected);
        assertThat(emitted(harnesses.get(2))).isEqualTo(expected);
    }

    // ---- serving ----

    private static final UserHistory.UpdateSink NO_UPDATES = new UserHistory.UpdateSink() {
        @Override
        public void pair(long item, long other, double amount, long time) {}

        @Override
        public void item(long item, double weight, double normIncrement, long time) {}
    };

    private static ModelConfig servingConfig() {
        return ServingFixtures.config(0, 5_000);
    }

    private KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> serving(
            long cacheBytes, OperatorSubtaskState restoreFrom) throws Exception {
        var harness =
                ServingFixtures.harness(new ServingFunction(servingConfig(), 100, false, 0).cacheBytes(cacheBytes));
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        opened.add(harness);
        return harness;
    }

    /** A random model of 30 items, version {@code version} at {@code time}. */
    private static List<ModelUpdate> model(long version, long time, Random random) {
        List<ModelUpdate> updates = new ArrayList<>();
        for (long item = 0; item < 30; item++) {
            int n = 1 + random.nextInt(4);
            long[] neighbours = new long[n];
            double[] values = new double[n];
            for (int j = 0; j < n; j++) {
                neighbours[j] = (item + 1 + j + random.nextInt(3) * 5) % 30;
                values[j] = n - j + random.nextInt(3);
            }
            updates.add(ModelUpdate.item(
                    version, time, ServingFixtures.item(item, time, 1 + random.nextInt(9), neighbours, values)));
        }
        updates.add(ModelUpdate.commit(version, time, ServingFixtures.trendingList(time - 100, 3, 9, 14)));
        return updates;
    }

    /**
     * 400 interactions of 12 users with a second model and an 8 s gap (users expire) half-way; the last watermark just
     * past the last event.
     */
    private static List<Object> servingStream() {
        Random random = new Random(3);
        List<Object> stream = new ArrayList<>(model(1, 1_000, random));
        Map<Long, UserHistory> histories = new HashMap<>();
        ModelConfig config = servingConfig();
        long time = 1_100;
        for (int i = 0; i < 400; i++) {
            time += 10 + random.nextInt(40);
            if (i == 200) {
                // Every user has been idle longer than the TTL when the watermark passes this: all expire.
                stream.add(Long.valueOf(time + 7_000));
                time += 8_000;
                stream.addAll(model(2, time - 50, random));
            }
            long user = random.nextInt(12);
            long item = random.nextInt(30);
            UserHistory history = histories.computeIfAbsent(user, u -> new UserHistory());
            history.apply(item, 1.0, time, config, NO_UPDATES);
            stream.add(new ProfileUpdate(user, item, time, 0L, history.copy()));
            if (i % 5 == 4) {
                stream.add(Long.valueOf(time - 5));
            }
        }
        stream.add(Long.valueOf(time + 10));
        return stream;
    }

    /** The index of the watermark that jumps over the gap. */
    private static int firstJump(List<Object> stream) {
        long last = Long.MIN_VALUE;
        for (int i = 0; i < stream.size(); i++) {
            if (stream.get(i) instanceof Long watermark) {
                if (last != Long.MIN_VALUE && watermark - last > 5_000) {
                    return i;
                }
                last = watermark;
            }
        }
        throw new AssertionError("no gap");
    }

    private static void play(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness,
            List<Object> stream,
            int from,
            int to)
            throws Exception {
        for (Object element : stream.subList(from, to)) {
            if (element instanceof ModelUpdate update) {
                harness.processBroadcastElement(update, update.time);
            } else if (element instanceof ProfileUpdate profile) {
                harness.processElement(
                        new ProfileUpdate(profile.userId, profile.itemId, profile.time, 0L, profile.history.copy()),
                        profile.time);
            } else {
                ServingFixtures.watermark(harness, (Long) element);
            }
        }
    }

    private static List<String> lists(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness) {
        List<String> lists = new ArrayList<>();
        for (Object record : harness.getOutput()) {
            if (record instanceof StreamRecord<?> streamRecord
                    && streamRecord.getValue() instanceof Recommendations list) {
                lists.add(list.userId + " v" + list.modelVersion + " @" + list.eventTime + " "
                        + Arrays.toString(list.items) + Arrays.toString(list.scores));
            }
        }
        return lists;
    }

    private static Map<Long, String> userState(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness)
            throws Exception {
        Map<Long, String> state = new HashMap<>();
        for (Long user : HarnessSupport.<Long>keysWithState(
                harness, FreshRecState.seenItems().getName())) {
            SeenItems seen = value(harness, user, FreshRecState.seenItems());
            Recommendations list = value(harness, user, FreshRecState.recommendations());
            UserHistory history = value(harness, user, FreshRecState.servingHistory());
            state.put(
                    user,
                    Arrays.toString(seen.items) + " " + Arrays.toString(history.items) + " "
                            + Arrays.toString(list.items));
        }
        return state;
    }

    /** Users with seen items in the state backend itself (without letting the operator write its heap copies). */
    private static int rawUsers(KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> h)
            throws Exception {
        try (var keys = h.getOperator()
                .getKeyedStateBackend()
                .getKeys(FreshRecState.seenItems().getName(), VoidNamespace.INSTANCE)) {
            return (int) keys.count();
        }
    }

    @Test
    void shouldServeTheSameListsWithAnyCacheSizeAndAcrossARestore() throws Exception {
        List<Object> stream = servingStream();
        // Users expire in the gap (their cached state must go with them) and come back.
        var expiring = serving(ServingFunction.DEFAULT_CACHE_BYTES, null);
        int gap = firstJump(stream);
        play(expiring, stream, 0, gap);
        assertThat(HarnessSupport.<Long>keysWithState(
                        expiring, FreshRecState.seenItems().getName()))
                .hasSize(12);
        play(expiring, stream, gap, gap + 1);
        assertThat(HarnessSupport.<Long>keysWithState(
                        expiring, FreshRecState.seenItems().getName()))
                .isEmpty();

        var uncached = serving(0, null);
        var tiny = serving(600, null); // a user or two: evicts all the time
        var cached = serving(ServingFunction.DEFAULT_CACHE_BYTES, null);
        for (var harness : List.of(uncached, tiny, cached)) {
            play(harness, stream, 0, stream.size());
        }
        List<String> expected = lists(uncached);
        assertThat(expected).hasSize(400); // a list per interaction
        assertThat(lists(tiny)).isEqualTo(expected);
        assertThat(lists(cached)).isEqualTo(expected);
        assertThat(userState(tiny)).isEqualTo(userState(uncached));
        assertThat(userState(cached)).isEqualTo(userState(uncached)).isNotEmpty();

        // A restore starts with an empty cache: the lists after it are the same. Taken where every user holds state
        // (half-way through the part after the gap), which is then only on the heap until the snapshot writes it back.
        var before = serving(ServingFunction.DEFAULT_CACHE_BYTES, null);
        int cut = gap + (stream.size() - gap) / 2;
        play(before, stream, 0, cut);
        assertThat(rawUsers(before)).isLessThan(12);
        HarnessSupport.barrier(before);
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        assertThat(rawUsers(before)).isEqualTo(12);
        List<String> first = lists(before);
        var after = serving(ServingFunction.DEFAULT_CACHE_BYTES, snapshot);
        play(after, stream, cut, stream.size());
        List<String> both = new ArrayList<>(first);
        both.addAll(lists(after));
        assertThat(both).isEqualTo(expected);
        assertThat(userState(after)).isEqualTo(userState(uncached));
    }
}
