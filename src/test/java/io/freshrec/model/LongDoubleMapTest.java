package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scorer's accumulator against a plain {@link HashMap}, through its growth and its reuse. */
class LongDoubleMapTest {

    private static Map<Long, Double> contents(LongDoubleMap map) {
        Map<Long, Double> contents = new HashMap<>();
        for (int slot = 0; slot < map.capacity(); slot++) {
            long key = map.keyAt(slot);
            if (key != Long.MIN_VALUE) {
                assertThat(contents.put(key, map.valueAt(slot)))
                        .as("key %d in two slots", key)
                        .isNull();
            }
        }
        return contents;
    }

    @Test
    void shouldSumEveryKeysValuesThroughManyGrowths() {
        LongDoubleMap map = new LongDoubleMap();
        Map<Long, Double> expected = new HashMap<>();
        Random random = new Random(7);
        int initialCapacity = map.capacity();
        // Strided ids (a clustered catalogue) and repeats: 5,000 distinct keys, 20,000 additions.
        for (int i = 0; i < 20_000; i++) {
            long key = 1024L * random.nextInt(5_000);
            double value = random.nextInt(100) / 4.0; // exact in binary: sums do not depend on order
            map.add(key, value);
            expected.merge(key, value, Double::sum);
        }

        assertThat(map.capacity()).isGreaterThan(64 * initialCapacity);
        assertThat(map.size()).isEqualTo(expected.size());
        assertThat(contents(map)).isEqualTo(expected);
        expected.forEach((key, value) -> {
            assertThat(map.containsKey(key)).isTrue();
            assertThat(map.valueAt(map.slotOf(key))).isEqualTo(value);
        });
        assertThat(map.containsKey(1L)).isFalse();
        assertThat(map.slotOf(1024L * 5_000)).isEqualTo(-1);
    }

    @Test
    void shouldForgetEverythingOnClearAndBeReusable() {
        LongDoubleMap map = new LongDoubleMap();
        for (long key = 0; key < 1_000; key++) {
            map.add(key, 1.0);
        }
        map.clear();

        assertThat(map.size()).isZero();
        assertThat(contents(map)).isEmpty();
        assertThat(map.containsKey(5L)).isFalse();

        map.add(5L, 2.0);
        map.add(5L, 0.5);
        map.addAt(map.slotOf(5L), 0.25);
        assertThat(contents(map)).containsExactly(Map.entry(5L, 2.75));
    }
}
