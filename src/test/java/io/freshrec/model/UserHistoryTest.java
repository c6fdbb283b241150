package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserHistoryTest {

    private static final long T = 1_700_000_000_000L;
    private static final long H = 60_000L;

    /** Collects what apply() emits. */
    static final class RecordingSink implements UserHistory.UpdateSink {
        final List<Pair> pairs = new ArrayList<>();
        final List<ItemUpdate> items = new ArrayList<>();

        @Override
        public void pair(long item, long other, double amount, long time) {
            pairs.add(new Pair(item, other, amount, time));
        }

        @Override
        public void item(long item, double weight, double normIncrement, long time) {
            items.add(new ItemUpdate(item, weight, normIncrement, time));
        }

        void clear() {
            pairs.clear();
            items.clear();
        }
    }

    record Pair(long item, long other, double amount, long time) {}

    record ItemUpdate(long item, double weight, double normIncrement, long time) {}

    private static ModelConfig config(int historyLength, long historyHalfLife) {
        ModelConfig config = new ModelConfig();
        config.historyLength = historyLength;
        config.historyHalfLifeMs = historyHalfLife;
        return config;
    }

    @Test
    void shouldEmitOnlyTheItemUpdateForTheFirstInteraction() {
        UserHistory history = new UserHistory();
        RecordingSink sink = new RecordingSink();

        history.apply(10, 2.0, T, config(8, H), sink);

        assertThat(sink.pairs).isEmpty();
        assertThat(sink.items).containsExactly(new ItemUpdate(10, 2.0, 4.0, T));
        assertThat(history.items).containsExactly(10L);
        assertThat(history.weights).containsExactly(2.0);
        assertThat(history.times).containsExactly(T);
        assertThat(history.events).isEqualTo(1);
        assertThat(history.lastEventTime).isEqualTo(T);
    }

    @Test
    void shouldPairInBothDirectionsWithWeightTimesDecayedInterestAndGrowNormBySquareDifference() {
        ModelConfig config = config(8, H);
        UserHistory history = new UserHistory();
        RecordingSink sink = new RecordingSink();
        history.apply(10, 2.0, T, config, sink);
        sink.clear();

        // One half-life later the interest in 10 is 2 * 0.5 = 1, so the pair amount is 3 * 1.
        history.apply(20, 3.0, T + H, config, sink);

        assertThat(sink.pairs).hasSize(2);
        assertThat(sink.pairs.get(0).item()).isEqualTo(20);
        assertThat(sink.pairs.get(0).other()).isEqualTo(10);
        assertThat(sink.pairs.get(1).item()).isEqualTo(10);
        assertThat(sink.pairs.get(1).other()).isEqualTo(20);
        for (Pair pair : sink.pairs) {
            assertThat(pair.amount()).isCloseTo(3.0, within(1e-12));
            assertThat(pair.time()).isEqualTo(T + H);
        }
        assertThat(sink.items).containsExactly(new ItemUpdate(20, 3.0, 9.0, T + H));
        sink.clear();

        // Another half-life: interest in 20 is 1.5, in 10 it is 0.5; 10 again with weight 1.
        history.apply(10, 1.0, T + 2 * H, config, sink);

        assertThat(sink.pairs)
                .extracting(Pair::item, Pair::other)
                .containsExactly(Tuple.tuple(10L, 20L), Tuple.tuple(20L, 10L));
        assertThat(sink.pairs).allSatisfy(p -> assertThat(p.amount()).isCloseTo(1.5, within(1e-12)));
        assertThat(sink.items).hasSize(1);
        ItemUpdate update = sink.items.get(0);
        assertThat(update.item()).isEqualTo(10);
        assertThat(update.weight()).isEqualTo(1.0);
        // before = 0.5, after = 1.5: 2.25 - 0.25
        assertThat(update.normIncrement()).isCloseTo(2.0, within(1e-12));

        assertThat(history.items).containsExactly(20L, 10L);
        assertThat(history.weights[0]).isEqualTo(3.0);
        assertThat(history.weights[1]).isCloseTo(1.5, within(1e-12));
        assertThat(history.times).containsExactly(T + H, T + 2 * H);
        assertThat(history.events).isEqualTo(3);
        assertThat(history.lastEventTime).isEqualTo(T + 2 * H);
    }

    @Test
    void shouldMoveARepeatedItemToTheNewestEndWithoutPairingItWithItself() {
        ModelConfig config = config(8, 0);
        UserHistory history = new UserHistory();
        RecordingSink sink = new RecordingSink();
        history.apply(1, 1.0, T, config, sink);
        history.apply(2, 1.0, T + 1, config, sink);
        history.apply(3, 1.0, T + 2, config, sink);
        sink.clear();

        history.apply(1, 2.0, T + 3, config, sink);

        assertThat(history.items).containsExactly(2L, 3L, 1L);
        assertThat(history.weights).containsExactly(1.0, 1.0, 3.0);
        assertThat(sink.pairs).noneMatch(p -> p.item() == p.other());
        assertThat(sink.pairs).extracting(Pair::other).containsExactlyInAnyOrder(2L, 1L, 3L, 1L);
        // No decay: before = 1, after = 3.
        assertThat(sink.items).containsExactly(new ItemUpdate(1, 2.0, 8.0, T + 3));
    }

    @Test
    void shouldDropTheOldestItemBeyondHistoryLengthButStillPairWithItOnTheWayOut() {
        ModelConfig config = config(3, 0);
        UserHistory history = new UserHistory();
        RecordingSink sink = new RecordingSink();
        for (long item = 1; item <= 3; item++) {
            history.apply(item, 1.0, T + item, config, sink);
        }
        sink.clear();

        history.apply(4, 1.0, T + 4, config, sink);

        assertThat(history.items).containsExactly(2L, 3L, 4L);
        assertThat(sink.pairs)
                .filteredOn(p -> p.item() == 4)
                .extracting(Pair::other)
                .containsExactlyInAnyOrder(1L, 2L, 3L);
        sink.clear();

        history.apply(5, 1.0, T + 5, config, sink);

        assertThat(history.items).containsExactly(3L, 4L, 5L);
        assertThat(sink.pairs)
                .filteredOn(p -> p.item() == 5)
                .extracting(Pair::other)
                .containsExactlyInAnyOrder(2L, 3L, 4L);
    }

    @Test
    void shouldNotPairWithItemsWhoseInterestHasDecayedToZero() {
        ModelConfig config = config(8, 1);
        UserHistory history = new UserHistory();
        RecordingSink sink = new RecordingSink();
        history.apply(1, 1.0, T, config, sink);
        sink.clear();

        // 10^7 half-lives later the interest underflows to exactly 0.
        history.apply(2, 1.0, T + 10_000_000L, config, sink);

        assertThat(sink.pairs).isEmpty();
        assertThat(sink.items).containsExactly(new ItemUpdate(2, 1.0, 1.0, T + 10_000_000L));
    }

    @Test
    void shouldCopyIndependently() {
        ModelConfig config = config(8, 0);
        UserHistory history = new UserHistory();
        RecordingSink sink = new RecordingSink();
        history.apply(1, 1.0, T, config, sink);
        UserHistory copy = history.copy();

        history.apply(2, 1.0, T + 1, config, sink);

        assertThat(copy.items).containsExactly(1L);
        assertThat(copy.events).isEqualTo(1);
        assertThat(copy.lastEventTime).isEqualTo(T);
        assertThat(history.items).containsExactly(1L, 2L);
    }

    @Test
    void shouldFindItemIndex() {
        UserHistory history = new UserHistory();
        history.items = new long[] {5, 7, 9};

        assertThat(history.indexOf(7)).isEqualTo(1);
        assertThat(history.indexOf(8)).isEqualTo(-1);
        assertThat(history.size()).isEqualTo(3);
    }

    @Test
    void shouldNotScaleInterestUpWhenAskedAboutAnEarlierTime() {
        UserHistory history = new UserHistory();
        history.items = new long[] {5};
        history.weights = new double[] {2.0};
        history.times = new long[] {T};

        assertThat(history.weightAt(0, T - 5 * H, H)).isEqualTo(2.0);
        assertThat(history.weightAt(0, T + H, H)).isCloseTo(1.0, within(1e-12));
    }

    /**
     * A brute-force re-implementation: a list of (item, interest, time) ordered by last interaction;
     * every event is checked against it, emission by emission.
     */
    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L, 4L})
    void shouldMatchBruteForceHistoryOnRandomSequence(long seed) {
        Random random = new Random(seed);
        int historyLength = 2 + random.nextInt(5);
        long halfLife = seed % 2 == 0 ? 0 : 30_000L;
        ModelConfig config = config(historyLength, halfLife);
        UserHistory history = new UserHistory();
        RecordingSink sink = new RecordingSink();
        LinkedHashMap<Long, double[]> expected = new LinkedHashMap<>(); // item -> {interest, time}
        long now = T;
        for (int step = 0; step < 400; step++) {
            now += random.nextInt(60_000);
            long item = 1 + random.nextInt(12);
            double weight = new double[] {1, 2, 4, 8, 0.5}[random.nextInt(5)];
            sink.clear();

            history.apply(item, weight, now, config, sink);

            Map<Long, Double> expectedPairs = new HashMap<>();
            for (Map.Entry<Long, double[]> entry : expected.entrySet()) {
                double amount = weight * decayed(entry.getValue(), now, halfLife);
                if (entry.getKey() != item && amount > 0) {
                    expectedPairs.put(entry.getKey(), amount);
                }
            }
            double before = expected.containsKey(item) ? decayed(expected.get(item), now, halfLife) : 0.0;
            double after = before + weight;
            expected.remove(item);
            if (expected.size() >= historyLength) {
                expected.remove(expected.keySet().iterator().next());
            }
            expected.put(item, new double[] {after, now});

            Map<Long, Double> forward = new HashMap<>();
            Map<Long, Double> backward = new HashMap<>();
            for (Pair pair : sink.pairs) {
                assertThat(pair.time()).isEqualTo(now);
                if (pair.item() == item) {
                    assertThat(forward.put(pair.other(), pair.amount())).isNull();
                } else {
                    assertThat(pair.other()).isEqualTo(item);
                    assertThat(backward.put(pair.item(), pair.amount())).isNull();
                }
            }
            assertThat(forward.keySet()).isEqualTo(expectedPairs.keySet());
            assertThat(backward).isEqualTo(forward);
            expectedPairs.forEach(
                    (other, amount) -> assertThat(forward.get(other)).isCloseTo(amount, within(1e-9 * amount)));
            assertThat(sink.items).hasSize(1);
            assertThat(sink.items.get(0).item()).isEqualTo(item);
            assertThat(sink.items.get(0).weight()).isEqualTo(weight);
            assertThat(sink.items.get(0).normIncrement())
                    .isCloseTo(after * after - before * before, within(1e-9 * after * after));

            assertThat(history.size()).isLessThanOrEqualTo(historyLength);
            assertThat(history.items)
                    .containsExactly(expected.keySet().stream()
                            .mapToLong(Long::longValue)
                            .toArray());
            int i = 0;
            for (double[] entry : expected.values()) {
                assertThat(history.weights[i]).isCloseTo(entry[0], within(1e-9 * entry[0]));
                assertThat(history.times[i]).isEqualTo((long) entry[1]);
                i++;
            }
        }
        assertThat(history.events).isEqualTo(400);
    }

    private static double decayed(double[] entry, long now, long halfLife) {
        return halfLife <= 0 ? entry[0] : entry[0] * Math.pow(0.5, (now - (long) entry[1]) / (double) halfLife);
    }
}
