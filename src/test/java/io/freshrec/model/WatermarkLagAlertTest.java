package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WatermarkLagAlertTest {
    private static final long MINUTE = 60_000L;
    private static final long NOW = 1_800_000_000_000L;

    @Test
    void shouldRaiseOnceWhenTheLagPassesTheThresholdAndClearOnceUnderHalfOfIt() {
        WatermarkLagAlert alert = new WatermarkLagAlert(MINUTE);

        assertThat(alert.check(NOW - 500, NOW)).isNull();
        assertThat(alert.check(NOW - MINUTE, NOW)).as("at the threshold").isNull();
        String raised = alert.check(NOW - 3 * MINUTE - 400, NOW);
        assertThat(raised)
                .startsWith("freshrec watermark alert: event time is 3 min behind the wall clock (more than 1 min,")
                .contains("freshrec.watermark.max-lag");
        assertThat(alert.raised()).isTrue();
        // Still behind, further behind, or back under the threshold but not under half of it: nothing new to say.
        assertThat(alert.check(NOW - 3 * MINUTE, NOW + 1000)).isNull();
        assertThat(alert.check(NOW - 10 * MINUTE, NOW)).isNull();
        assertThat(alert.check(NOW - 40_000, NOW)).isNull();
        assertThat(alert.check(NOW - 300, NOW))
                .isEqualTo("freshrec watermark alert cleared: event time is 300 ms" + " behind the wall clock");
        assertThat(alert.raised()).isFalse();
        assertThat(alert.check(NOW - 2 * MINUTE, NOW)).as("raised again").isNotNull();
    }

    @Test
    void shouldRaiseWhenEventTimeHasNotStartedLongerThanTheThreshold() {
        WatermarkLagAlert alert = new WatermarkLagAlert(MINUTE);

        assertThat(alert.check(Long.MIN_VALUE, NOW)).isNull();
        assertThat(alert.check(Long.MIN_VALUE, NOW + MINUTE)).isNull();
        assertThat(alert.check(Long.MIN_VALUE, NOW + MINUTE + 5000))
                .startsWith("freshrec watermark alert: event time has not started 65 s after the job did");
        // Not cleared until there is a watermark close to the clock.
        assertThat(alert.check(Long.MIN_VALUE, NOW + 10 * MINUTE)).isNull();
        assertThat(alert.check(NOW + 10 * MINUTE - 200, NOW + 10 * MINUTE))
                .startsWith("freshrec watermark alert cleared");
    }

    @Test
    void shouldTakeAWatermarkAheadOfTheClockAsNoLag() {
        WatermarkLagAlert alert = new WatermarkLagAlert(MINUTE);
        assertThat(alert.check(Long.MAX_VALUE, NOW)).isNull();
        assertThat(alert.check(NOW + MINUTE, NOW)).isNull();
        assertThat(alert.raised()).isFalse();
    }

    @Test
    void shouldRefuseAThresholdThatIsNotPositive() {
        assertThatThrownBy(() -> new WatermarkLagAlert(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
