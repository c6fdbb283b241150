package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NewIdRateAlertTest {
    @Test
    void shouldRaiseOnceWhenNewIdsArriveFasterThanTheThresholdAndClearUnderHalf() {
        NewIdRateAlert alert = new NewIdRateAlert("users", 1_000);
        long created = 0;
        assertThat(alert.check(created, 0)).isNull();
        // 500 a second for a minute: quiet.
        for (int s = 5; s <= 60; s += 5) {
            created += 2_500;
            assertThat(alert.check(created, s * 1000L)).isNull();
        }
        // A flood: 5,000 a second. The minute's rate passes 1,000 within a few checks: one line, then quiet.
        int lines = 0;
        String raised = null;
        for (int s = 65; s <= 180; s += 5) {
            created += 25_000;
            String line = alert.check(created, s * 1000L);
            if (line != null) {
                lines++;
                raised = line;
            }
        }
        assertThat(lines).isEqualTo(1);
        assertThat(raised)
                .startsWith("freshrec new-id alert: about")
                .contains("new users a second over the last 60 s", "max-items");
        assertThat(alert.raised()).isTrue();
        // Back to 400 a second: cleared once the minute's rate is under 500, once.
        String cleared = null;
        for (int s = 185; s <= 300; s += 5) {
            created += 2_000;
            String line = alert.check(created, s * 1000L);
            if (line != null) {
                assertThat(cleared).isNull();
                cleared = line;
            }
        }
        assertThat(cleared).startsWith("freshrec new-id alert cleared: 400 new users a second");
        assertThat(alert.raised()).isFalse();
    }

    @Test
    void shouldSayNothingBeforeAMinuteOfChecks() {
        NewIdRateAlert alert = new NewIdRateAlert("items", 100);
        assertThat(alert.check(0, 0)).isNull();
        // A burst at the start (a job starting on a live stream): 50,000 in the first 55 s.
        assertThat(alert.check(50_000, 55_000)).isNull();
        assertThat(alert.raised()).isFalse();
        // Past a minute, the rate over it counts: 50,000 / 60 s.
        assertThat(alert.check(50_000, 60_000)).contains("about 833 new items a second over the last 60 s");
    }

    @Test
    void shouldRefuseANonPositiveThreshold() {
        assertThatThrownBy(() -> new NewIdRateAlert("items", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
