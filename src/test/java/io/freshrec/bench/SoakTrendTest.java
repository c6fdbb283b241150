package io.freshrec.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SoakTrendTest {
    private static final double[] MINUTES =
            IntStream.rangeClosed(5, 30).mapToDouble(i -> i).toArray();

    @Test
    void shouldPassAFlatNoisySeriesAndFailOneThatKeepsGrowing() {
        double[] flat = new double[MINUTES.length];
        double[] growing = new double[MINUTES.length];
        for (int i = 0; i < MINUTES.length; i++) {
            flat[i] = 500 + (i % 2 == 0 ? 20 : -20);
            growing[i] = 500 + 10 * (MINUTES[i] - 5);
        }
        SoakTrend.Verdict steady = SoakTrend.judge("heap", "MB", MINUTES, flat, 0.25, 16);
        assertThat(steady.holds()).isTrue();
        assertThat(steady.rise()).isCloseTo(0, within(10.0));

        SoakTrend.Verdict leak = SoakTrend.judge("heap", "MB", MINUTES, growing, 0.25, 16);
        // 10 MB a minute over the 25 warm minutes: a rise of 250 against 25% of a mean of 625.
        assertThat(leak.slopePerMinute()).isCloseTo(10, within(1e-9));
        assertThat(leak.rise()).isCloseTo(250, within(1e-9));
        assertThat(leak.allowed()).isCloseTo(156.25, within(1e-9));
        assertThat(leak.holds()).isFalse();
    }

    @Test
    void shouldAllowTheFloorForSeriesNearZeroAndLeaveOutMissingSamples() {
        double[] deadLetters = new double[MINUTES.length];
        for (int i = 0; i < MINUTES.length; i++) {
            deadLetters[i] = i % 3 == 0 ? Double.NaN : 4 + (i % 2);
        }
        SoakTrend.Verdict verdict = SoakTrend.judge("dead letters", "/min", MINUTES, deadLetters, 0.25, 5);
        assertThat(verdict.samples()).isEqualTo(17);
        assertThat(verdict.holds()).isTrue();
        assertThat(verdict.allowed()).isEqualTo(5);
    }

    @Test
    void shouldNotJudgeFromFewerThanThreeSamples() {
        assertThat(SoakTrend.judge("x", "", new double[] {1, 2}, new double[] {1, 1}, 0.25, 1)
                        .holds())
                .isFalse();
    }
}
