package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecallTrackerTest {

    @Test
    void shouldReportZeroBeforeAnythingIsScored() {
        RecallTracker tracker = new RecallTracker(10);

        assertThat(tracker.total()).isZero();
        assertThat(tracker.rolling()).isZero();
        assertThat(tracker.hits()).isZero();
        assertThat(tracker.scored()).isZero();
    }

    @Test
    void shouldCountHitsOverEverythingScored() {
        RecallTracker tracker = new RecallTracker(100);
        tracker.record(true);
        tracker.record(false);
        tracker.record(false);
        tracker.record(true);

        assertThat(tracker.hits()).isEqualTo(2);
        assertThat(tracker.scored()).isEqualTo(4);
        assertThat(tracker.total()).isEqualTo(0.5);
        assertThat(tracker.rolling()).isEqualTo(0.5);
    }

    @Test
    void shouldForgetOutcomesThatLeftTheWindow() {
        RecallTracker tracker = new RecallTracker(3);
        tracker.record(true);
        tracker.record(true);
        tracker.record(false);
        assertThat(tracker.rolling()).isCloseTo(2.0 / 3, within(1e-12));

        tracker.record(false); // window: true, false, false
        assertThat(tracker.rolling()).isCloseTo(1.0 / 3, within(1e-12));

        tracker.record(false); // window: false, false, false
        assertThat(tracker.rolling()).isZero();
        assertThat(tracker.total()).isCloseTo(2.0 / 5, within(1e-12));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 50})
    void shouldMatchABruteForceWindow(int windowSize) {
        Random random = new Random(windowSize);
        RecallTracker tracker = new RecallTracker(windowSize);
        Deque<Boolean> window = new ArrayDeque<>();
        long hits = 0;
        for (int i = 1; i <= 1000; i++) {
            boolean hit = random.nextDouble() < 0.3;
            tracker.record(hit);
            hits += hit ? 1 : 0;
            window.addLast(hit);
            if (window.size() > windowSize) {
                window.removeFirst();
            }
            long windowHits = window.stream().filter(b -> b).count();

            assertThat(tracker.hits()).isEqualTo(hits);
            assertThat(tracker.scored()).isEqualTo(i);
            assertThat(tracker.total()).isCloseTo((double) hits / i, within(1e-12));
            assertThat(tracker.rolling()).isCloseTo((double) windowHits / window.size(), within(1e-12));
        }
    }

    @Test
    void shouldScoreNdcgByTheRankOfTheHit() {
        assertThat(RecallTracker.gain(0)).isEqualTo(1.0);
        assertThat(RecallTracker.gain(1)).isCloseTo(1 / (Math.log(3) / Math.log(2)), within(1e-12));
        assertThat(RecallTracker.gain(3)).isCloseTo(1 / (Math.log(5) / Math.log(2)), within(1e-12));
        assertThat(RecallTracker.gain(-1)).isZero();

        RecallTracker tracker = new RecallTracker(2);
        tracker.record(0);
        tracker.record(3);
        tracker.record(-1);

        assertThat(tracker.hits()).isEqualTo(2);
        assertThat(tracker.total()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(tracker.ndcgTotal()).isCloseTo((1.0 + RecallTracker.gain(3)) / 3, within(1e-12));
        // Window of 2: ranks 3 and -1.
        assertThat(tracker.ndcgRolling()).isCloseTo(RecallTracker.gain(3) / 2, within(1e-12));
        assertThat(tracker.rolling()).isEqualTo(0.5);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 64})
    void shouldMatchABruteForceNdcgWindow(int windowSize) {
        Random random = new Random(31L * windowSize);
        RecallTracker tracker = new RecallTracker(windowSize);
        Deque<Integer> window = new ArrayDeque<>();
        double total = 0;
        for (int i = 0; i < 1000; i++) {
            int rank = random.nextInt(14) - 4; // -4..9: misses and every rank of the top 10
            rank = Math.max(rank, -1);
            tracker.record(rank);
            total += RecallTracker.gain(rank);
            window.addLast(rank);
            if (window.size() > windowSize) {
                window.removeFirst();
            }
            double expected = window.stream().mapToDouble(RecallTracker::gain).sum() / window.size();
            assertThat(tracker.ndcgRolling()).isCloseTo(expected, within(1e-9));
        }
        assertThat(tracker.ndcgTotal()).isCloseTo(total / 1000, within(1e-12));
    }
}
