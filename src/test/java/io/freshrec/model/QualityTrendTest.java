package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class QualityTrendTest {

    @Test
    void shouldBeZeroUntilTwoWindowsEnded() {
        QualityTrend trend = new QualityTrend(1000);
        trend.record(0, 0.1);
        trend.record(1500, 0.2);
        assertThat(trend.slope()).isZero();
        assertThat(trend.samples()).isEqualTo(1);
    }

    @Test
    void shouldGiveTheLeastSquaresSlopePerWindowOfTheLastValues() {
        QualityTrend trend = new QualityTrend(1000);
        // Each window ends at 0.1 + 0.01 x window; earlier values in a window do not count.
        for (int window = 0; window < 25; window++) {
            trend.record(window * 1000L, 0.9);
            trend.record(window * 1000L + 999, 0.1 + 0.01 * window);
        }
        trend.record(25_000, 0.0);
        assertThat(trend.samples()).isEqualTo(QualityTrend.SAMPLES);
        assertThat(trend.slope()).isCloseTo(0.01, within(1e-12));
    }

    @Test
    void shouldSeeAFallAfterARise() {
        QualityTrend trend = new QualityTrend(1000);
        double[] values = {0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.15, 0.1, 0.05, 0.0, 0.0};
        for (int i = 0; i < values.length; i++) {
            trend.record(i * 1000L, values[i]);
        }
        // Samples: the ten windows ended, 0.2 x 6, 0.15, 0.1, 0.05, 0.0.
        assertThat(trend.slope()).isNegative();
    }
}
