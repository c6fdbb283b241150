package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import it.unimi.dsi.fastutil.longs.Long2DoubleOpenHashMap;
import org.junit.jupiter.api.Test;

class SequenceSignalTest {
    private static final long T = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;

    private static Long2DoubleOpenHashMap score(SequenceSignal signal, long[] recent, long now) {
        Long2DoubleOpenHashMap scores = new Long2DoubleOpenHashMap();
        signal.score(recent, now, item -> false, scores);
        return scores;
    }

    @Test
    void shouldScoreTransitionsFromTheNewestItemsByHand() {
        SequenceSignal signal = new SequenceSignal(5, 0);
        // A user after 1 then 2 turns to 3: 2 -> 3 adds 1, 1 -> 3 adds 1/2. Another after 2 turns to 4: 2 -> 4 adds 1.
        signal.learn(new long[] {1, 2}, 3, T);
        signal.learn(new long[] {2}, 4, T);

        Long2DoubleOpenHashMap scores = score(signal, new long[] {1, 2}, T);

        // out(2) = 2, out(1) = 1/2, in(3) = 3/2, in(4) = 1
        // s(3) = 1 * 1 / (sqrt(2) sqrt(3/2)) + 1/2 * (1/2) / (sqrt(1/2) sqrt(3/2)) = 1/sqrt(3) + 1/(4 sqrt(3/4))
        // s(4) = 1 * 1 / (sqrt(2) sqrt(1))
        assertThat(scores.get(3)).isCloseTo(Math.sqrt(3) / 2, within(1e-12));
        assertThat(scores.get(4)).isCloseTo(1 / Math.sqrt(2), within(1e-12));
        assertThat(scores).hasSize(2);
    }

    @Test
    void shouldCountOnlyTheConfiguredStepsAndSkipWhatTheCallerSkips() {
        SequenceSignal signal = new SequenceSignal(1, 0);
        signal.learn(new long[] {1, 2}, 3, T); // one step: only 2 -> 3
        assertThat(score(signal, new long[] {1}, T)).isEmpty();
        assertThat(score(signal, new long[] {2}, T).get(3)).isCloseTo(1.0, within(1e-12));
        // Scoring reads only the newest step too: 2 is one step back here.
        assertThat(score(signal, new long[] {2, 9}, T)).isEmpty();

        Long2DoubleOpenHashMap skipped = new Long2DoubleOpenHashMap();
        signal.score(new long[] {2}, T, item -> item == 3, skipped);
        assertThat(skipped).isEmpty();
    }

    @Test
    void shouldNotLearnATransitionFromAnItemToItself() {
        SequenceSignal signal = new SequenceSignal(5, 0);
        signal.learn(new long[] {3}, 3, T);
        assertThat(signal.sources()).isZero();
        assertThat(score(signal, new long[] {3}, T)).isEmpty();
    }

    @Test
    void shouldDecayOlderTransitionsByTheHalfLife() {
        SequenceSignal signal = new SequenceSignal(5, HOUR);
        signal.learn(new long[] {2}, 3, T);
        signal.learn(new long[] {2}, 4, T + HOUR);

        Long2DoubleOpenHashMap scores = score(signal, new long[] {2}, T + HOUR);

        // At T + 1h: T(2,3) = 1/2, T(2,4) = 1, out(2) = 3/2, in(3) = 1/2, in(4) = 1
        assertThat(scores.get(3)).isCloseTo(0.5 / (Math.sqrt(1.5) * Math.sqrt(0.5)), within(1e-12));
        assertThat(scores.get(4)).isCloseTo(1 / Math.sqrt(1.5), within(1e-12));
        // Decay is common to a snapshot's counts and its totals: scored later, the same ratios.
        Long2DoubleOpenHashMap later = score(signal, new long[] {2}, T + 5 * HOUR);
        assertThat(later.get(3)).isCloseTo(scores.get(3), within(1e-12));
    }

    @Test
    void shouldRefuseNoSteps() {
        assertThatThrownBy(() -> new SequenceSignal(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
