package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PopularityDriftTest {

    @Test
    void shouldMeasureJensenShannonDivergenceInBits() {
        assertThat(PopularityDrift.jensenShannon(Map.of(1L, 3, 2L, 1), Map.of(1L, 6, 2L, 2)))
                .isZero();
        assertThat(PopularityDrift.jensenShannon(Map.of(1L, 5), Map.of(2L, 5))).isEqualTo(1.0);
        // P = (1/2, 1/2), Q = (1, 0): M = (3/4, 1/4); JS = (KL(P||M) + KL(Q||M)) / 2.
        double klP = 0.5 * log2(0.5 / 0.75) + 0.5 * log2(0.5 / 0.25);
        double klQ = log2(1 / 0.75);
        assertThat(PopularityDrift.jensenShannon(Map.of(1L, 1, 2L, 1), Map.of(1L, 4)))
                .isCloseTo((klP + klQ) / 2, within(1e-12));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    @Test
    void shouldCompareConsecutiveEventTimeWindows() {
        PopularityDrift drift = new PopularityDrift(1000);
        // Window 0: items 1 and 2 evenly. Window 1: the same. Window 2: only item 3.
        for (int i = 0; i < 100; i++) {
            assertThat(drift.record(1 + i % 2, i * 10)).isFalse();
        }
        assertThat(drift.shift()).isNaN();
        for (int i = 0; i < 100; i++) {
            drift.record(1 + i % 2, 1000 + i * 10);
        }
        assertThat(drift.shift()).isNaN(); // one window closed: nothing to compare with yet
        assertThat(drift.record(3, 2000)).isTrue();
        assertThat(drift.shift()).isZero();
        for (int i = 1; i < 100; i++) {
            drift.record(3, 2000 + i * 10);
        }
        assertThat(drift.record(3, 3500)).isTrue();
        assertThat(drift.shift()).isEqualTo(1.0);
        assertThat(drift.closedWindows()).isEqualTo(3);
    }

    @Test
    void shouldCountLateEventsInTheOpenWindow() {
        PopularityDrift drift = new PopularityDrift(1000);
        drift.record(1, 1500);
        drift.record(1, 200); // late: window 0 is already behind
        assertThat(drift.eventsInWindow()).isEqualTo(2);
        assertThat(drift.closedWindows()).isZero();
    }
}
