package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DecayTest {

    private static final long H = 60_000L;
    private static final long T0 = 1_700_000_000_000L;
    private static final Offset<Double> EPS = within(1e-12);

    @Test
    void shouldHalveValueAfterOneHalfLife() {
        assertThat(Decay.factor(H, H)).isCloseTo(0.5, EPS);
        assertThat(Decay.factor(2 * H, H)).isCloseTo(0.25, EPS);
        assertThat(Decay.factor(H / 2, H)).isCloseTo(Math.sqrt(0.5), EPS);
        assertThat(Decay.at(8.0, T0, T0 + 3 * H, H)).isCloseTo(1.0, EPS);
    }

    @Test
    void shouldScaleUpForNegativeGap() {
        assertThat(Decay.factor(-H, H)).isCloseTo(2.0, EPS);
        assertThat(Decay.at(1.0, T0 + 2 * H, T0, H)).isCloseTo(4.0, EPS);
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, -1L, -H})
    void shouldNotDecayWhenHalfLifeIsNotPositive(long halfLife) {
        assertThat(Decay.factor(123_456_789L, halfLife)).isEqualTo(1.0);
        assertThat(Decay.factor(-123_456_789L, halfLife)).isEqualTo(1.0);
        assertThat(Decay.at(3.5, T0, T0 + 10 * H, halfLife)).isEqualTo(3.5);
    }

    @Test
    void shouldNotDecayOverZeroGap() {
        assertThat(Decay.factor(0, H)).isEqualTo(1.0);
        assertThat(Decay.at(3.5, T0, T0, H)).isEqualTo(3.5);
    }

    @Test
    void shouldKeepZeroAtZeroEvenWhenTheFactorOverflows() {
        // Scaling up over a million half-lives is infinite; zero times that must stay zero, not NaN.
        assertThat(Decay.factor(-1_000_000 * H, H)).isInfinite();
        assertThat(Decay.at(0.0, T0 + 1_000_000 * H, T0, H)).isEqualTo(0.0);
    }

    // ---------------------------------------------------------------- DecayedValue

    @Test
    void shouldTakeFirstIncrementAsIs() {
        DecayedValue value = new DecayedValue().add(3.0, T0, H);

        assertThat(value.value).isEqualTo(3.0);
        assertThat(value.time).isEqualTo(T0);
    }

    @Test
    void shouldDecayOldSumWhenALaterIncrementArrives() {
        DecayedValue value = new DecayedValue().add(4.0, T0, H).add(1.0, T0 + H, H);

        assertThat(value.value).isCloseTo(3.0, EPS);
        assertThat(value.time).isEqualTo(T0 + H);
    }

    @Test
    void shouldDecayALateIncrementToTheReferenceTimeWithoutMovingItBack() {
        DecayedValue value = new DecayedValue().add(1.0, T0 + 2 * H, H).add(8.0, T0, H);

        assertThat(value.value).isCloseTo(3.0, EPS);
        assertThat(value.time).isEqualTo(T0 + 2 * H);
    }

    @Test
    void shouldStateTheSumAtAnyTime() {
        DecayedValue value = new DecayedValue(6.0, T0 + H);

        assertThat(value.valueAt(T0 + 2 * H, H)).isCloseTo(3.0, EPS);
        assertThat(value.valueAt(T0 + H, H)).isEqualTo(6.0);
        assertThat(value.valueAt(T0, H)).isCloseTo(12.0, EPS);
    }

    @Test
    void shouldSumIncrementsIndependentlyOfArrivalOrder() {
        Random random = new Random(42);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + random.nextInt(30);
            List<long[]> times = new ArrayList<>();
            List<Double> amounts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                times.add(new long[] {T0 + random.nextInt((int) (5 * H))});
                amounts.add(0.1 + random.nextDouble() * 10);
            }
            long latest = times.stream().mapToLong(t -> t[0]).max().getAsLong();
            // Brute force: every increment decayed to the latest time by 2^(-gap / half-life).
            double expected = 0;
            for (int i = 0; i < n; i++) {
                expected += amounts.get(i) * Math.pow(0.5, (double) (latest - times.get(i)[0]) / H);
            }

            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            for (int shuffle = 0; shuffle < 5; shuffle++) {
                Collections.shuffle(order, random);
                DecayedValue value = new DecayedValue();
                for (int i : order) {
                    value.add(amounts.get(i), times.get(i)[0], H);
                }
                assertThat(value.time).isEqualTo(latest);
                assertThat(value.value).isCloseTo(expected, within(1e-9 * expected));
                long later = latest + random.nextInt((int) H);
                assertThat(value.valueAt(later, H))
                        .isCloseTo(expected * Math.pow(0.5, (double) (later - latest) / H), within(1e-9 * expected));
            }
        }
    }

    @Test
    void shouldSumPlainlyWithoutDecay() {
        DecayedValue value = new DecayedValue();
        value.add(1.0, T0 + 5, 0).add(2.0, T0, 0).add(4.0, T0 + 10, 0);

        assertThat(value.value).isEqualTo(7.0);
        assertThat(value.time).isEqualTo(T0 + 10);
    }
}
