package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ItemStateTest {

    private static final long T = 1_700_000_000_000L;
    private static final long SIM_H = 100_000L;
    private static final long TREND_H = 10_000L;

    private static ModelConfig config() {
        ModelConfig config = new ModelConfig();
        config.similarityHalfLifeMs = SIM_H;
        config.trendingHalfLifeMs = TREND_H;
        return config;
    }

    /** Brute force: all neighbours sorted by value desc, then id asc, first k. */
    private static List<Map.Entry<Long, Double>> topK(Map<Long, Double> totals, int k) {
        List<Map.Entry<Long, Double>> all = new ArrayList<>(totals.entrySet());
        all.sort(Comparator.<Map.Entry<Long, Double>>comparingDouble(Map.Entry::getValue)
                .reversed()
                .thenComparing(Map.Entry::getKey));
        return all.subList(0, Math.min(k, all.size()));
    }

    private static void assertListEquals(ItemState state, List<Map.Entry<Long, Double>> expected) {
        assertThat(state.snapshot.neighbours)
                .containsExactly(expected.stream().mapToLong(Map.Entry::getKey).toArray());
        assertThat(state.snapshot.cooccurrence)
                .containsExactly(
                        expected.stream().mapToDouble(Map.Entry::getValue).toArray());
    }

    @ParameterizedTest(name = "seed {0}, capacity {1}, integer increments {2}")
    @CsvSource({"1, 5, true", "2, 5, false", "3, 1, true", "4, 10, true", "5, 3, false", "6, 40, true", "7, 8, true"})
    void shouldKeepExactlyTheTopKByValueWithTiesBrokenBySmallerIdAfterEveryOffer(
            long seed, int capacity, boolean integerIncrements) {
        Random random = new Random(seed);
        ItemState state = ItemState.create(0, T);
        Map<Long, Double> totals = new HashMap<>();
        for (int step = 0; step < 3000; step++) {
            long other = 1 + random.nextInt(30);
            // Small integer increments make ties frequent.
            double increment = integerIncrements ? 1 + random.nextInt(3) : 0.01 + random.nextDouble();
            double total = totals.merge(other, increment, Double::sum);

            boolean changed = state.offerNeighbour(other, total, capacity);

            List<Map.Entry<Long, Double>> expected = topK(totals, capacity);
            assertListEquals(state, expected);
            assertThat(changed).isEqualTo(expected.stream().anyMatch(e -> e.getKey() == other));
        }
    }

    @Test
    void shouldReachTheSameTopKWhateverTheOrderOfOffers() {
        Random random = new Random(11);
        int neighbours = 25;
        int capacity = 6;
        List<List<Double>> increments = new ArrayList<>();
        Map<Long, Double> totals = new HashMap<>();
        for (int n = 0; n < neighbours; n++) {
            List<Double> steps = new ArrayList<>();
            int count = 1 + random.nextInt(6);
            for (int i = 0; i < count; i++) {
                double inc = 1 + random.nextInt(4);
                steps.add(inc);
                totals.merge((long) n + 1, inc, Double::sum);
            }
            increments.add(steps);
        }
        List<Map.Entry<Long, Double>> expected = topK(totals, capacity);

        for (int interleaving = 0; interleaving < 20; interleaving++) {
            ItemState state = ItemState.create(0, T);
            int[] next = new int[neighbours];
            double[] sums = new double[neighbours];
            List<Integer> pending = new ArrayList<>();
            for (int n = 0; n < neighbours; n++) {
                pending.add(n);
            }
            while (!pending.isEmpty()) {
                int slot = random.nextInt(pending.size());
                int n = pending.get(slot);
                sums[n] += increments.get(n).get(next[n]++);
                state.offerNeighbour(n + 1, sums[n], capacity);
                if (next[n] == increments.get(n).size()) {
                    pending.remove(slot);
                }
            }
            assertListEquals(state, expected);
        }
    }

    @Test
    void shouldBreakTiesBySmallerIdWhenAFullListIsOfferedAnEqualValue() {
        ItemState state = ItemState.create(0, T);
        assertThat(state.offerNeighbour(5, 1.0, 2)).isTrue();
        assertThat(state.offerNeighbour(7, 1.0, 2)).isTrue();

        assertThat(state.offerNeighbour(9, 1.0, 2)).isFalse();
        assertThat(state.offerNeighbour(3, 1.0, 2)).isTrue();

        assertThat(state.snapshot.neighbours).containsExactly(3L, 5L);
        assertThat(state.snapshot.problem(2)).isNull();
    }

    @Test
    void shouldNotListANeighbourWithNothingInCommonSoTheSnapshotStaysValid() {
        ItemState state = ItemState.create(0, T);
        assertThat(state.offerNeighbour(5, 1.0, 3)).isTrue();

        // A pair amount that decayed to 0.0 (a history item rated years before), or anything not finite.
        assertThat(state.offerNeighbour(7, 0.0, 3)).isFalse();
        assertThat(state.offerNeighbour(8, Double.NaN, 3)).isFalse();
        assertThat(state.offerNeighbour(9, Double.POSITIVE_INFINITY, 3)).isFalse();

        assertThat(state.snapshot.neighbours).containsExactly(5L);
        assertThat(state.snapshot.problem(3)).isNull();
    }

    @Test
    void shouldRejectEverythingAtCapacityZero() {
        ItemState state = ItemState.create(0, T);

        assertThat(state.offerNeighbour(1, 5.0, 0)).isFalse();
        assertThat(state.snapshot.neighbours).isEmpty();
    }

    @Test
    void shouldOrderByStrength() {
        assertThat(ItemState.ranksBefore(9, 2.0, 1, 1.0)).isTrue();
        assertThat(ItemState.ranksBefore(1, 1.0, 9, 2.0)).isFalse();
        assertThat(ItemState.ranksBefore(1, 1.0, 2, 1.0)).isTrue();
        assertThat(ItemState.ranksBefore(2, 1.0, 1, 1.0)).isFalse();
        assertThat(ItemState.ranksBefore(1, 1.0, 1, 1.0)).isFalse();
    }

    @Test
    void shouldDecayNormAndCooccurrenceBySimilarityHalfLifeAndTrendingByItsOwn() {
        ModelConfig config = config();
        ItemState state = ItemState.create(1, T);
        state.snapshot.norm = 8.0;
        state.snapshot.trending = 8.0;
        state.offerNeighbour(2, 4.0, 10);
        state.offerNeighbour(3, 2.0, 10);

        state.advanceTo(T + SIM_H, config);

        assertThat(state.snapshot.time).isEqualTo(T + SIM_H);
        assertThat(state.snapshot.norm).isCloseTo(4.0, within(1e-12));
        assertThat(state.snapshot.cooccurrence).containsExactly(new double[] {2.0, 1.0}, within(1e-12));
        // The similarity half-life is ten trending half-lives.
        assertThat(state.snapshot.trending).isCloseTo(8.0 / 1024, within(1e-12));
    }

    @Test
    void shouldKnowTheFullCooccurrenceOfAListedNeighbourAsTheMapWouldHoldIt() {
        ModelConfig config = config();
        ItemState state = ItemState.create(1, T);
        // The map's entries, kept as the operator keeps them; each change is offered to the list as it happens.
        DecayedValue two = new DecayedValue().add(4.0, T, SIM_H);
        DecayedValue three = new DecayedValue().add(2.0, T, SIM_H);
        state.offerNeighbour(2, two.valueAt(T, SIM_H), 1);
        state.offerNeighbour(3, three.valueAt(T, SIM_H), 1); // weaker than 2: not listed at capacity 1
        state.advanceTo(T + SIM_H / 2, config);
        two.add(1.0, T + SIM_H / 2, SIM_H);
        state.offerNeighbour(2, two.valueAt(state.snapshot.time, SIM_H), 1);
        state.advanceTo(T + 3 * SIM_H, config);

        DecayedValue known = state.knownCooccurrence(2);

        assertThat(known.time).isEqualTo(T + 3 * SIM_H);
        assertThat(known.value).isCloseTo(two.valueAt(T + 3 * SIM_H, SIM_H), within(1e-12));
        // (4 / sqrt(2) + 1) halved two and a half times more: computed by hand, not by the code under test.
        assertThat(known.value).isCloseTo((4 / Math.sqrt(2) + 1) / Math.pow(2, 2.5), within(1e-12));
        // Not listed (the map holds it) and never seen: the operator reads the map.
        assertThat(state.knownCooccurrence(3)).isNull();
        assertThat(state.knownCooccurrence(4)).isNull();
    }

    @Test
    void shouldNeverMoveTheReferenceTimeBack() {
        ModelConfig config = config();
        ItemState state = ItemState.create(1, T);
        state.snapshot.norm = 8.0;

        state.advanceTo(T - SIM_H, config);

        assertThat(state.snapshot.time).isEqualTo(T);
        assertThat(state.snapshot.norm).isEqualTo(8.0);
    }

    @Test
    void shouldAddInteractionToNormAndTrendingAtItsTime() {
        ModelConfig config = config();
        ItemState state = ItemState.create(1, T);
        state.addInteraction(2.0, 4.0, T, config);

        state.addInteraction(1.0, 3.0, T + TREND_H, config);

        assertThat(state.snapshot.time).isEqualTo(T + TREND_H);
        assertThat(state.snapshot.norm).isCloseTo(4.0 * Math.pow(0.5, 0.1) + 3.0, within(1e-12));
        assertThat(state.snapshot.trending).isCloseTo(2.0, within(1e-12));
        assertThat(state.lastEventTime).isEqualTo(T + TREND_H);
    }

    @Test
    void shouldDecayALateInteractionToTheReferenceTime() {
        ModelConfig config = config();
        ItemState state = ItemState.create(1, T + TREND_H);

        state.addInteraction(4.0, 2.0, T, config);

        assertThat(state.snapshot.time).isEqualTo(T + TREND_H);
        assertThat(state.snapshot.trending).isCloseTo(2.0, within(1e-12));
        assertThat(state.snapshot.norm).isCloseTo(2.0 * Math.pow(0.5, 0.1), within(1e-12));
        assertThat(state.lastEventTime).isEqualTo(T);
    }

    @Test
    void shouldGiveTheSameStateWhateverTheOrderOfInteractions() {
        ModelConfig config = config();
        long[] times = {T + 5_000, T, T + 20_000, T + 12_345};
        double[] weights = {1, 2, 4, 8};
        ItemState forward = ItemState.create(1, T);
        ItemState backward = ItemState.create(1, T);
        for (int i = 0; i < times.length; i++) {
            forward.addInteraction(weights[i], weights[i] * weights[i], times[i], config);
            int j = times.length - 1 - i;
            backward.addInteraction(weights[j], weights[j] * weights[j], times[j], config);
        }
        double expectedTrending = 0;
        double expectedNorm = 0;
        for (int i = 0; i < times.length; i++) {
            expectedTrending += weights[i] * Math.pow(0.5, (T + 20_000 - times[i]) / (double) TREND_H);
            expectedNorm += weights[i] * weights[i] * Math.pow(0.5, (T + 20_000 - times[i]) / (double) SIM_H);
        }
        for (ItemState state : List.of(forward, backward)) {
            assertThat(state.snapshot.time).isEqualTo(T + 20_000);
            assertThat(state.snapshot.trending).isCloseTo(expectedTrending, within(1e-9));
            assertThat(state.snapshot.norm).isCloseTo(expectedNorm, within(1e-9));
            assertThat(state.lastEventTime).isEqualTo(T + 20_000);
        }
    }

    @Test
    void shouldPublishADetachedCopyForTheGivenVersionAndRecordIt() {
        ItemState state = ItemState.create(7, T);
        state.snapshot.norm = 3.0;
        state.snapshot.trending = 2.0;
        state.offerNeighbour(8, 1.0, 5);
        assertThat(state.lastVersionTime).isEqualTo(Long.MIN_VALUE);
        assertThat(state.publications).isZero();

        ItemSnapshot published = state.publish(T + 200);
        state.offerNeighbour(9, 2.0, 5);
        state.snapshot.norm = 99;

        assertThat(published.item).isEqualTo(7);
        assertThat(published.time).isEqualTo(T);
        assertThat(published.versionTime).isEqualTo(T + 200);
        assertThat(published.norm).isEqualTo(3.0);
        assertThat(published.trending).isEqualTo(2.0);
        assertThat(published.neighbours).containsExactly(8L);
        assertThat(published.cooccurrence).containsExactly(1.0);
        assertThat(state.lastVersionTime).isEqualTo(T + 200);
        assertThat(state.publications).isEqualTo(1);

        ItemSnapshot next = state.publish(T + 400);

        assertThat(next.versionTime).isEqualTo(T + 400);
        assertThat(next.norm).isEqualTo(99.0);
        assertThat(next.neighbours).containsExactly(9L, 8L);
        assertThat(next.neighbours).isNotSameAs(state.snapshot.neighbours);
        assertThat(next.cooccurrence).isNotSameAs(state.snapshot.cooccurrence);
        // The earlier copy is untouched by the later publication.
        assertThat(published.versionTime).isEqualTo(T + 200);
        assertThat(published.neighbours).containsExactly(8L);
        assertThat(state.lastVersionTime).isEqualTo(T + 400);
        assertThat(state.publications).isEqualTo(2);
    }

    @Test
    void shouldPublishAnEmptyFreshStateAsATombstoneAtItsVersionTime() {
        ItemSnapshot tombstone = ItemState.create(7, T + 1000).publish(T + 1000);

        assertThat(tombstone.isTombstone()).isTrue();
        assertThat(tombstone.item).isEqualTo(7);
        assertThat(tombstone.time).isEqualTo(T + 1000);
        assertThat(tombstone.versionTime).isEqualTo(T + 1000);
        assertThat(tombstone.neighbours).isEmpty();
        assertThat(tombstone.cooccurrence).isEmpty();
    }
}
