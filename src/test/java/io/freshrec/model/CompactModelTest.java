package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The compact model against the scorer's generic path (a plain map of snapshots): on random models, with versions,
 * withdrawn items, popularity blend and decay, both must give the same lists to the last bit.
 */
class CompactModelTest {
    private static final long T = 1_700_000_000_000L;

    /** An item's versions by version time, as serving keeps them (a null snapshot withdrew the item). */
    static final class Versions implements CompactModel.Versions {
        final TreeMap<Long, ItemSnapshot> byTime = new TreeMap<>();

        @Override
        public ItemSnapshot at(long time) {
            Map.Entry<Long, ItemSnapshot> entry = byTime.floorEntry(time);
            return entry == null ? null : entry.getValue();
        }
    }

    /** The generic path's view: a plain map of versions read at one time. */
    record PlainView(Map<Long, Versions> items, long at, TrendingList trending, long version) implements ModelView {
        @Override
        public ItemSnapshot item(long itemId) {
            Versions versions = items.get(itemId);
            return versions == null ? null : versions.at(at);
        }
    }

    @Test
    void shouldScoreExactlyAsTheGenericPathOnRandomModels() {
        Random random = new Random(42);
        int compared = 0;
        int withScores = 0;
        for (int round = 0; round < 60; round++) {
            ModelConfig config = randomConfig(random);
            int catalogue = 20 + random.nextInt(300);
            Map<Long, Versions> items = new HashMap<>();
            CompactModel compact = new CompactModel(config);
            List<Long> versionTimes = new ArrayList<>();
            for (int v = 0; v < 1 + random.nextInt(4); v++) {
                versionTimes.add(T + v * 1_000L + random.nextInt(500));
            }
            for (long item = 0; item < catalogue; item++) {
                if (random.nextInt(10) == 0) {
                    continue; // an item the model never heard of, still a neighbour of others
                }
                Versions versions = new Versions();
                for (long versionTime : versionTimes) {
                    if (random.nextInt(3) == 0) {
                        continue;
                    }
                    boolean withdrawn = random.nextInt(12) == 0;
                    versions.byTime.put(
                            versionTime, withdrawn ? null : snapshot(random, item, versionTime, catalogue, config));
                }
                if (versions.byTime.isEmpty()) {
                    continue;
                }
                items.put(item, versions);
                Map.Entry<Long, ItemSnapshot> newest = versions.byTime.lastEntry();
                compact.put(item, newest.getKey(), newest.getValue(), versions);
            }
            TrendingList trending = trending(random, catalogue, config);
            Scorer generic = new Scorer(config);
            Scorer fast = new Scorer(config);
            for (int user = 0; user < 40; user++) {
                UserHistory history = history(random, catalogue, config);
                SeenItems seen = new SeenItems();
                for (long item : history.items) {
                    seen.add(item, 1000);
                }
                for (int extra = random.nextInt(6); extra > 0; extra--) {
                    seen.add(random.nextInt(catalogue), 1000); // seen items that are trending or neighbours
                }
                long now = T + random.nextInt(10_000);
                long at = random.nextBoolean() ? Long.MAX_VALUE : versionTimes.get(random.nextInt(versionTimes.size()));
                Recommendations expected =
                        generic.recommend(user, history, seen, new PlainView(items, at, trending, 9), now);
                Recommendations actual = fast.recommend(user, history, seen, compact.at(at, trending, 9), now);
                assertSame(actual, expected);
                compared++;
                if (expected.items.length > expected.fromTrending) {
                    withScores++;
                }
            }
        }
        assertThat(compared).isEqualTo(60 * 40);
        // The comparison is about scored lists, not only trending fill-ins.
        assertThat(withScores).isGreaterThan(compared / 2);
    }

    /**
     * Items leave and come back, others take their slots, and the same snapshots are scored again between the changes:
     * a slot must never score the item that held it before.
     */
    @Test
    void shouldScoreExactlyAsTheGenericPathWhileItemsLeaveAndSlotsAreReused() {
        Random random = new Random(7);
        int compared = 0;
        int reusedSlots = 0;
        for (int round = 0; round < 20; round++) {
            ModelConfig config = randomConfig(random);
            int catalogue = 30 + random.nextInt(200);
            Map<Long, Versions> items = new HashMap<>();
            Map<Long, ItemSnapshot> made = new HashMap<>();
            CompactModel compact = new CompactModel(config);
            Map<Integer, Long> slotHolder = new HashMap<>();
            for (long item = 0; item < catalogue; item++) {
                made.put(item, snapshot(random, item, T, catalogue, config));
            }
            TrendingList trending = trending(random, catalogue, config);
            Scorer generic = new Scorer(config);
            Scorer fast = new Scorer(config);
            for (int step = 0; step < 6; step++) {
                // Items come and go in a random order, each with the snapshot it had before (hints and all).
                List<Long> order = new ArrayList<>(made.keySet());
                java.util.Collections.shuffle(order, random);
                for (long item : order) {
                    boolean held = items.containsKey(item);
                    if (held && random.nextInt(3) == 0) {
                        compact.remove(item);
                        items.remove(item);
                    } else if (!held && random.nextInt(4) != 0) {
                        Versions versions = new Versions();
                        versions.byTime.put(T, made.get(item));
                        items.put(item, versions);
                        compact.put(item, T, made.get(item), versions);
                        Long before = slotHolder.put(compact.slot(item), item);
                        if (before != null && before != item) {
                            reusedSlots++;
                        }
                    }
                }
                for (int user = 0; user < 30; user++) {
                    UserHistory history = history(random, catalogue, config);
                    SeenItems seen = new SeenItems();
                    long now = T + random.nextInt(10_000);
                    Recommendations expected = generic.recommend(
                            user, history, seen, new PlainView(items, Long.MAX_VALUE, trending, 9), now);
                    Recommendations actual =
                            fast.recommend(user, history, seen, compact.at(Long.MAX_VALUE, trending, 9), now);
                    assertSame(actual, expected);
                    compared++;
                }
            }
        }
        assertThat(compared).isEqualTo(20 * 6 * 30);
        assertThat(reusedSlots).isGreaterThan(100); // the case this test is about happened, often
    }

    @Test
    void shouldServeOlderVersionsOnlyToReadersBeforeTheNewest() {
        ModelConfig config = new ModelConfig();
        CompactModel compact = new CompactModel(config);
        Versions versions = new Versions();
        ItemSnapshot old = bare(7, T, 4.0);
        ItemSnapshot newest = bare(7, T + 1_000, 9.0);
        versions.byTime.put(T, old);
        versions.byTime.put(T + 1_000, newest);
        compact.put(7, T + 1_000, newest, versions);
        int slot = compact.slot(7);

        assertThat(compact.snapshotAt(slot, Long.MAX_VALUE)).isSameAs(newest);
        assertThat(compact.snapshotAt(slot, T + 1_000)).isSameAs(newest);
        assertThat(compact.snapshotAt(slot, T + 999)).isSameAs(old);
        assertThat(compact.snapshotAt(slot, T - 1)).isNull();
        assertThat(compact.targetScale(slot, T + 500, T + 500))
                .isEqualTo(old.normPowerAt(T + 500, 1 - config.normExponent, config));
    }

    @Test
    void shouldForgetRemovedItemsAndReuseTheirSlots() {
        CompactModel compact = new CompactModel(new ModelConfig());
        compact.put(1, 0, bare(1, T, 1.0), null);
        compact.put(2, 0, bare(2, T, 1.0), null);
        int freed = compact.slot(1);
        compact.remove(1);
        compact.remove(1); // twice: nothing to do

        assertThat(compact.slot(1)).isEqualTo(-1);
        assertThat(compact.size()).isEqualTo(1);
        compact.put(3, 0, bare(3, T, 2.0), null);
        assertThat(compact.slot(3)).isEqualTo(freed);
        assertThat(compact.snapshotAt(compact.slot(3), Long.MAX_VALUE).item).isEqualTo(3);
        assertThat(compact.slotBound()).isEqualTo(2);
    }

    @Test
    void shouldTreatAWithdrawnNewestVersionAsNoSnapshotWhileOlderReadersStillSeeTheItem() {
        ModelConfig config = new ModelConfig();
        CompactModel compact = new CompactModel(config);
        Versions versions = new Versions();
        ItemSnapshot old = bare(5, T, 4.0);
        versions.byTime.put(T, old);
        versions.byTime.put(T + 1_000, null);
        compact.put(5, T + 1_000, null, versions);
        int slot = compact.slot(5);

        assertThat(compact.snapshotAt(slot, Long.MAX_VALUE)).isNull();
        assertThat(compact.targetScale(slot, Long.MAX_VALUE, T)).isZero();
        assertThat(compact.snapshotAt(slot, T)).isSameAs(old);
        assertThat(compact.targetScale(slot, T, T)).isPositive();
    }

    @Test
    void shouldReadAnItemChangedInPlaceAfterARefresh() {
        ModelConfig config = new ModelConfig();
        CompactModel compact = new CompactModel(config);
        ItemSnapshot snapshot = bare(3, T, 4.0);
        compact.put(3, CompactModel.ALWAYS, snapshot, null);
        double before = compact.targetScale(compact.slot(3), Long.MAX_VALUE, T);
        snapshot.norm = 16.0;
        compact.refresh(3);

        double after = compact.targetScale(compact.slot(3), Long.MAX_VALUE, T);
        assertThat(after).isEqualTo(Math.pow(16.0, 1 - config.normExponent)).isNotEqualTo(before);
        // The snapshot's own cached power follows the change too.
        assertThat(snapshot.normPowerAt(T, 1 - config.normExponent, config)).isEqualTo(after);
    }

    @Test
    void shouldEvictTheLeastTrendingItemWhenFullAgainstABruteForce() {
        ModelConfig config = new ModelConfig();
        config.trendingHalfLifeMs = 3_600_000;
        int max = 50;
        CompactModel compact = new CompactModel(config, max);
        Map<Long, ItemSnapshot> held = new HashMap<>();
        Random random = new Random(5);
        long now = T;
        int evictions = 0;
        for (int step = 0; step < 5_000; step++) {
            now += random.nextInt(60_000);
            long item = random.nextInt(200);
            ItemSnapshot snapshot = random.nextInt(25) == 0 ? null : bare(item, now, 1.0);
            if (snapshot != null) {
                // Distinct weights, some items with none.
                snapshot.trending = random.nextInt(10) == 0 ? 0.0 : random.nextDouble() * 100;
            }
            held.put(item, snapshot);
            long evicted = compact.put(item, now, snapshot, null);
            if (held.size() <= max) {
                assertThat(evicted).isEqualTo(CompactModel.NONE_EVICTED);
                continue;
            }
            evictions++;
            // The evicted item had the smallest trending weight of all held at this moment (decayed to now).
            long at = now;
            double least = held.values().stream()
                    .mapToDouble(s -> weightAt(s, at, config))
                    .min()
                    .orElseThrow();
            assertThat(weightAt(held.get(evicted), at, config))
                    .as("step %d", step)
                    .isEqualTo(least);
            held.remove(evicted);
            assertThat(compact.slot(evicted)).isEqualTo(-1);
        }
        assertThat(compact.size()).isEqualTo(max).isEqualTo(held.size());
        for (long item : held.keySet()) {
            assertThat(compact.slot(item)).isNotNegative();
        }
        assertThat(compact.evictions()).isEqualTo(evictions).isGreaterThan(1_000);
    }

    @Test
    void shouldKeepEveryItemWithoutABound() {
        CompactModel compact = new CompactModel(new ModelConfig());
        for (long item = 0; item < 10_000; item++) {
            assertThat(compact.put(item, 0, bare(item, T, 1.0), null)).isEqualTo(CompactModel.NONE_EVICTED);
        }
        assertThat(compact.size()).isEqualTo(10_000);
        assertThat(compact.evictions()).isZero();
    }

    /** The trending weight decayed to {@code now}; 0 for a withdrawn item (null). */
    private static double weightAt(ItemSnapshot snapshot, long now, ModelConfig config) {
        return snapshot == null ? 0.0 : Decay.at(snapshot.trending, snapshot.time, now, config.trendingHalfLifeMs);
    }

    private static void assertSame(Recommendations actual, Recommendations expected) {
        assertThat(actual.items).as("items").containsExactly(expected.items);
        assertThat(actual.scores)
                .as("scores of %s", Arrays.toString(expected.items))
                .containsExactly(expected.scores);
        assertThat(actual.fromTrending).as("trending fill-ins").isEqualTo(expected.fromTrending);
        assertThat(actual.modelVersion).isEqualTo(expected.modelVersion);
        assertThat(actual.eventTime).isEqualTo(expected.eventTime);
        assertThat(actual.userId).isEqualTo(expected.userId);
    }

    private static ModelConfig randomConfig(Random random) {
        ModelConfig config = new ModelConfig();
        config.normExponent = new double[] {0.5, 0.8, 0.3, 1.0}[random.nextInt(4)];
        config.topN = 1 + random.nextInt(25);
        config.neighbours = 1 + random.nextInt(60);
        config.popularityBlend = random.nextInt(3) == 0 ? 0.0 : random.nextDouble() * 0.5;
        config.similarityHalfLifeMs = random.nextBoolean() ? 0 : 1 + random.nextInt(20_000);
        config.historyHalfLifeMs = random.nextBoolean() ? 0 : 1 + random.nextInt(20_000);
        config.trendingHalfLifeMs = 1 + random.nextInt(20_000);
        return config;
    }

    private static ItemSnapshot snapshot(
            Random random, long item, long versionTime, int catalogue, ModelConfig config) {
        ItemSnapshot snapshot =
                bare(item, versionTime - random.nextInt(300), random.nextInt(8) == 0 ? 0.0 : random.nextDouble() * 50);
        snapshot.versionTime = versionTime;
        snapshot.trending = random.nextDouble() * 20;
        int count = random.nextInt(config.neighbours + 1);
        long[] neighbours = random.longs(catalogue * 2L, 0, catalogue)
                .filter(other -> other != item)
                .distinct()
                .limit(count)
                .toArray();
        double[] cooccurrence = new double[neighbours.length];
        double value = 1 + random.nextDouble() * 10;
        for (int n = 0; n < neighbours.length; n++) {
            cooccurrence[n] = value;
            value = random.nextInt(5) == 0 ? value : value * random.nextDouble(); // ties too
        }
        snapshot.neighbours = neighbours;
        snapshot.cooccurrence = cooccurrence;
        return snapshot;
    }

    private static ItemSnapshot bare(long item, long time, double norm) {
        ItemSnapshot snapshot = new ItemSnapshot();
        snapshot.item = item;
        snapshot.time = time;
        snapshot.norm = norm;
        return snapshot;
    }

    private static TrendingList trending(Random random, int catalogue, ModelConfig config) {
        TrendingList trending = new TrendingList();
        long[] items = random.longs(catalogue * 2L, 0, catalogue + 20) // some items the model does not hold
                .distinct()
                .limit(random.nextInt(30))
                .toArray();
        double[] scores = new double[items.length];
        double value = 100 * random.nextDouble() + 1;
        for (int i = 0; i < items.length; i++) {
            scores[i] = value;
            value *= random.nextDouble();
        }
        trending.items = items;
        trending.scores = scores;
        trending.time = T + random.nextInt(5_000);
        return trending;
    }

    private static UserHistory history(Random random, int catalogue, ModelConfig config) {
        UserHistory history = new UserHistory();
        int size = random.nextInt(10);
        history.items = random.longs(catalogue * 2L, 0, catalogue)
                .distinct()
                .limit(size)
                .toArray();
        history.weights = new double[history.items.length];
        history.times = new long[history.items.length];
        for (int i = 0; i < history.items.length; i++) {
            history.weights[i] = 0.1 + random.nextDouble() * 8;
            history.times[i] = T + random.nextInt(5_000);
        }
        history.lastEventTime = T + 5_000;
        return history;
    }
}
