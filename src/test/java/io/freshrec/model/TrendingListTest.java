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
import org.junit.jupiter.params.provider.ValueSource;

class TrendingListTest {

    private static final long T = 1_700_000_000_000L;
    private static final long H = 3_600_000L;

    @Test
    void shouldKeepItemsStrongestFirst() {
        TrendingList list = new TrendingList();
        list.offer(1, 1.0, T, 10, H);
        list.offer(2, 3.0, T, 10, H);
        list.offer(3, 2.0, T, 10, H);

        assertThat(list.items).containsExactly(2L, 3L, 1L);
        assertThat(list.scores).containsExactly(3.0, 2.0, 1.0);
        assertThat(list.time).isEqualTo(T);
    }

    @Test
    void shouldDropTheWeakestBeyondCapacityAndBreakTiesBySmallerId() {
        TrendingList list = new TrendingList();
        list.offer(4, 1.0, T, 2, H);
        list.offer(6, 1.0, T, 2, H);
        list.offer(8, 1.0, T, 2, H);
        assertThat(list.items).containsExactly(4L, 6L);

        list.offer(2, 1.0, T, 2, H);
        assertThat(list.items).containsExactly(2L, 4L);

        list.offer(9, 0.5, T, 2, H);
        assertThat(list.items).containsExactly(2L, 4L);
    }

    @Test
    void shouldDecayEveryScoreWhenALaterOfferArrives() {
        TrendingList list = new TrendingList();
        list.offer(1, 8.0, T, 10, H);

        list.offer(2, 3.0, T + H, 10, H);

        assertThat(list.time).isEqualTo(T + H);
        assertThat(list.items).containsExactly(1L, 2L);
        assertThat(list.scores).containsExactly(new double[] {4.0, 3.0}, within(1e-12));

        list.offer(3, 5.0, T + 2 * H, 10, H);
        assertThat(list.items).containsExactly(3L, 1L, 2L);
        assertThat(list.scores).containsExactly(new double[] {5.0, 2.0, 1.5}, within(1e-12));
    }

    @Test
    void shouldDecayAStaleOfferToTheListTime() {
        TrendingList list = new TrendingList();
        list.offer(1, 3.0, T + H, 10, H);

        list.offer(2, 8.0, T, 10, H);

        assertThat(list.time).isEqualTo(T + H);
        assertThat(list.items).containsExactly(2L, 1L);
        assertThat(list.scores).containsExactly(new double[] {4.0, 3.0}, within(1e-12));
    }

    @Test
    void shouldMoveAnItemDownWhenItsRestatedTotalIsLower() {
        TrendingList list = new TrendingList();
        list.offer(1, 5.0, T, 10, H);
        list.offer(2, 4.0, T, 10, H);
        list.offer(3, 3.0, T, 10, H);

        list.offer(1, 3.5, T, 10, H);

        assertThat(list.items).containsExactly(2L, 1L, 3L);
        assertThat(list.scores).containsExactly(4.0, 3.5, 3.0);
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L})
    void shouldHoldTheExactTopItemsForGrowingTotals(long seed) {
        Random random = new Random(seed);
        int capacity = 1 + random.nextInt(8);
        TrendingList list = new TrendingList();
        Map<Long, Double> totals = new HashMap<>();
        for (int step = 0; step < 2000; step++) {
            long item = 1 + random.nextInt(25);
            double total = totals.merge(item, (double) (1 + random.nextInt(3)), Double::sum);

            list.offer(item, total, T, capacity, H);

            List<Map.Entry<Long, Double>> expected = new ArrayList<>(totals.entrySet());
            expected.sort(Comparator.<Map.Entry<Long, Double>>comparingDouble(Map.Entry::getValue)
                    .reversed()
                    .thenComparing(Map.Entry::getKey));
            expected = expected.subList(0, Math.min(capacity, expected.size()));
            assertThat(list.items)
                    .containsExactly(
                            expected.stream().mapToLong(Map.Entry::getKey).toArray());
            assertThat(list.scores)
                    .containsExactly(
                            expected.stream().mapToDouble(Map.Entry::getValue).toArray());
        }
    }

    @Test
    void shouldCopyIndependently() {
        TrendingList list = new TrendingList();
        list.offer(1, 1.0, T, 10, H);
        TrendingList copy = list.copy();

        list.offer(2, 5.0, T + H, 10, H);

        assertThat(copy.items).containsExactly(1L);
        assertThat(copy.scores).containsExactly(1.0);
        assertThat(copy.time).isEqualTo(T);
    }
}
