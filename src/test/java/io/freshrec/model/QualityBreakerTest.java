package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.model.QualityBreaker.Settings;
import io.freshrec.model.QualityBreaker.Transition;
import org.junit.jupiter.api.Test;

class QualityBreakerTest {
    /** Drop of more than half, held 1 s of event time and 3 scored events; baseline half-life 10 s. */
    private static final Settings SETTINGS = new Settings(true, 0.5, 1000, 3, 10_000);

    private final QualityBreaker breaker = new QualityBreaker();

    private Transition served(long time, double recall, long versionTime, long version) {
        return breaker.observe(SETTINGS, time, recall, true, 0.0, false, versionTime, version);
    }

    private Transition candidate(long time, double candidateRecall) {
        return breaker.observe(SETTINGS, time, 0.0, true, candidateRecall, true, 99_000, 99);
    }

    private void healthy(long from, long to) {
        for (long t = from; t < to; t += 100) {
            assertThat(served(t, 0.2, t, t / 100)).isEqualTo(Transition.NONE);
        }
    }

    @Test
    void shouldLearnABaselineAfterWarmUpAndStayClosedWhileHealthy() {
        assertThat(breaker.observe(SETTINGS, 0, 0.2, false, 0, false, 0, 0)).isEqualTo(Transition.NONE);
        assertThat(breaker.baseline).isNaN(); // the rolling window is not full yet
        healthy(100, 5000);
        assertThat(breaker.baseline).isEqualTo(0.2);
        assertThat(breaker.isOpen()).isFalse();
        // The last good version: the newest when quality was last measured healthy.
        assertThat(breaker.pinnedTime).isEqualTo(4900);
        assertThat(breaker.pinnedVersion).isEqualTo(49);
    }

    @Test
    void shouldOpenOnlyWhenTheDropLastsTheHoldTimeAndFreezeAtTheLastGoodVersion() {
        healthy(0, 5000);
        // 0.09 < 0.5 x 0.2: a drop. It starts at 5000 with version 50 the newest; 49 was the last measured healthy.
        assertThat(served(5000, 0.09, 5000, 50)).isEqualTo(Transition.NONE);
        assertThat(breaker.pinnedTime).isEqualTo(4900);
        assertThat(served(5500, 0.09, 5400, 54)).isEqualTo(Transition.NONE);
        assertThat(served(5900, 0.09, 5900, 59)).isEqualTo(Transition.NONE); // 900 ms: not yet
        assertThat(served(6000, 0.09, 6000, 60)).isEqualTo(Transition.OPENED);

        assertThat(breaker.isOpen()).isTrue();
        assertThat(breaker.pinnedVersion).isEqualTo(49);
        assertThat(breaker.pinnedTime).isEqualTo(4900);
        assertThat(breaker.trips).isEqualTo(1);
        assertThat(breaker.baseline).isEqualTo(0.2); // a drop does not drag the baseline down
    }

    @Test
    void shouldForgetAShortDropAndMoveTheLastGoodVersionOn() {
        healthy(0, 5000);
        served(5000, 0.05, 5000, 50);
        served(5500, 0.05, 5500, 55);
        assertThat(breaker.pinnedVersion).isEqualTo(49);
        assertThat(served(5600, 0.15, 5600, 56)).isEqualTo(Transition.NONE); // back above 0.1
        assertThat(breaker.pinnedVersion).isEqualTo(56);
        // A new drop starts its own hold.
        served(6000, 0.05, 6000, 60);
        assertThat(served(6900, 0.05, 6900, 69)).isEqualTo(Transition.NONE);
        assertThat(served(7000, 0.05, 7000, 70)).isEqualTo(Transition.OPENED);
        assertThat(breaker.pinnedVersion).isEqualTo(56);
    }

    @Test
    void shouldNotOpenOnATimeGapWithTooFewScoredEvents() {
        healthy(0, 5000);
        served(5000, 0.05, 5000, 50);
        // A long event-time gap, but only the second scored event of the drop.
        assertThat(served(60_000, 0.05, 60_000, 51)).isEqualTo(Transition.NONE);
        assertThat(served(60_001, 0.05, 60_000, 51)).isEqualTo(Transition.OPENED);
    }

    @Test
    void shouldCloseWhenTheNewestModelsRecallIsBackForTheHoldTime() {
        healthy(0, 5000);
        for (long t = 5000; t <= 6000; t += 100) {
            served(t, 0.05, t, t / 100);
        }
        assertThat(breaker.isOpen()).isTrue();
        // The served (frozen) lists do not matter while open: the candidate's recall decides.
        assertThat(candidate(7000, 0.05)).isEqualTo(Transition.NONE);
        assertThat(candidate(7100, 0.11)).isEqualTo(Transition.NONE);
        assertThat(candidate(7600, 0.11)).isEqualTo(Transition.NONE);
        assertThat(candidate(7700, 0.02)).isEqualTo(Transition.NONE); // relapse: the hold starts again
        assertThat(candidate(7800, 0.12)).isEqualTo(Transition.NONE);
        assertThat(candidate(8500, 0.12)).isEqualTo(Transition.NONE);
        assertThat(candidate(8800, 0.12)).isEqualTo(Transition.CLOSED);

        assertThat(breaker.isOpen()).isFalse();
        // Nothing pinned until quality is next measured healthy, under whatever version is then the newest.
        assertThat(breaker.pinnedTime).isEqualTo(Long.MAX_VALUE);
        assertThat(served(8900, 0.2, 8900, 89)).isEqualTo(Transition.NONE);
        assertThat(breaker.pinnedVersion).isEqualTo(89);
    }

    @Test
    void shouldFollowAGradualChangeWithItsBaseline() {
        // Recall sinking by 1% of itself per second never counts as a drop: the baseline follows it.
        double recall = 0.2;
        for (long t = 0; t < 120_000; t += 100) {
            recall *= Math.pow(0.99, 0.1);
            assertThat(served(t, recall, t, t / 100)).isEqualTo(Transition.NONE);
        }
        assertThat(recall).isLessThan(0.07);
        assertThat(breaker.baseline).isLessThan(0.1);
    }

    @Test
    void shouldDoNothingWhenDisabled() {
        Settings off = new Settings(false, 0.5, 0, 1, 1000);
        for (long t = 0; t < 1000; t++) {
            assertThat(breaker.observe(off, t, t < 500 ? 0.5 : 0.0, true, 0, true, t, t))
                    .isEqualTo(Transition.NONE);
        }
        assertThat(breaker.baseline).isNaN();
    }

    @Test
    void shouldRejectSettingsOutOfRange() {
        assertThatThrownBy(() -> new Settings(true, 1.5, 1000, 1, 1000))
                .hasMessageContaining("max drop must be between 0 and 1");
        assertThatThrownBy(() -> new Settings(true, 0.5, -1, 1, 1000))
                .hasMessageContaining("hold must not be negative");
    }
}
