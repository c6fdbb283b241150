package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CooccurrencePruningTest {
    @Test
    void shouldKeepThreeQuartersOfTheBound() {
        assertThat(CooccurrencePruning.keep(2000)).isEqualTo(1500);
        assertThat(CooccurrencePruning.keep(8)).isEqualTo(6);
        assertThat(CooccurrencePruning.due(2001, 2000)).isTrue();
        assertThat(CooccurrencePruning.due(2000, 2000)).isFalse();
        assertThat(CooccurrencePruning.due(1_000_000, 0)).isFalse();
    }

    /** The rule written out as a brute force: sort the non-neighbours weakest first, drop the prefix. */
    private static Set<Long> bruteForce(long[] items, double[] values, long[] neighbours, int max, double below) {
        Set<Long> protectedIds = new HashSet<>();
        for (long n : neighbours) {
            protectedIds.add(n);
        }
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < items.length; i++) {
            if (!protectedIds.contains(items[i])) {
                others.add(i);
            }
        }
        others.sort(Comparator.<Integer>comparingDouble(i -> values[i] > 0 ? values[i] : 0.0)
                .thenComparing(i -> -items[i]));
        int mustGo = Math.max(0, items.length - (max - max / 4));
        Set<Long> dropped = new HashSet<>();
        for (int k = 0; k < others.size(); k++) {
            int i = others.get(k);
            if (k < mustGo || values[i] < below || !(values[i] > 0)) {
                dropped.add(items[i]);
            }
        }
        return dropped;
    }

    @Test
    void shouldDropWhatTheRuleSaysOnRandomMaps() {
        Random random = new Random(3);
        for (int round = 0; round < 500; round++) {
            int max = 8 + random.nextInt(60);
            int n = max + 1 + random.nextInt(40);
            long[] items = new long[n];
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                items[i] = random.nextInt(1_000_000);
                // Ties on purpose (a coarse grid), a few zeros and a few NaNs.
                values[i] =
                        random.nextInt(20) == 0 ? (random.nextBoolean() ? 0.0 : Double.NaN) : random.nextInt(40) / 4.0;
            }
            long[] neighbours = new long[Math.min(max / 2, 1 + random.nextInt(6))];
            for (int k = 0; k < neighbours.length; k++) {
                neighbours[k] = items[random.nextInt(n)];
            }
            double below = random.nextBoolean() ? 0.0 : random.nextInt(8) / 2.0;

            int[] drop = CooccurrencePruning.select(items, values, neighbours, max, below);

            Set<Long> dropped = new HashSet<>();
            for (int index : drop) {
                dropped.add(items[index]);
            }
            assertThat(dropped)
                    .as("round %d", round)
                    .containsExactlyInAnyOrderElementsOf(bruteForce(items, values, neighbours, max, below));
            for (long neighbour : neighbours) {
                assertThat(dropped).doesNotContain(neighbour);
            }
        }
    }

    @Test
    void shouldNeverDropANeighbourEvenWhenTheyAreTheWeakest() {
        long[] items = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        double[] values = {0.1, 0.2, 9, 9, 9, 9, 9, 9, 9};
        int[] drop = CooccurrencePruning.select(items, values, new long[] {1, 2}, 8, 1.0);
        // Three must go (keep 6 of 9): not 1 and 2, so the weakest three others (equal values: larger ids first).
        assertThat(Arrays.stream(drop).mapToLong(i -> items[i])).containsExactly(9L, 8L, 7L);
    }
}
