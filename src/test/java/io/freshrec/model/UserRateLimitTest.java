package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UserRateLimitTest {
    private static int admitted(UserHistory history, long time, int events, int limit) {
        int n = 0;
        for (int i = 0; i < events; i++) {
            if (UserRateLimit.admit(history, time, limit)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void shouldAdmitABurstOfTheLimitAndRefuseTheRest() {
        UserHistory history = new UserHistory();
        assertThat(admitted(history, 10_000, 700, 600)).isEqualTo(600);
        assertThat(history.rateAllowance).isLessThan(1.0);
    }

    @Test
    void shouldRefillAtTheLimitPerMinuteOfEventTime() {
        UserHistory history = new UserHistory();
        admitted(history, 0, 600, 600);
        // 10 per second: after 1 s, 10 more; after 2.5 s, 25 more.
        assertThat(admitted(history, 1_000, 50, 600)).isEqualTo(10);
        assertThat(admitted(history, 3_500, 50, 600)).isEqualTo(25);
        // Never more than a full bucket, however long the pause.
        assertThat(admitted(history, 3_600_000, 2_000, 600)).isEqualTo(600);
    }

    @Test
    void shouldSustainExactlyTheLimitForAUserAtThatRate() {
        UserHistory history = new UserHistory();
        int limit = 120; // two a second
        int refused = 0;
        for (long t = 0; t < 600_000; t += 500) { // two a second for 10 minutes
            if (!UserRateLimit.admit(history, t, limit)) {
                refused++;
            }
        }
        assertThat(refused).isZero();
        // Twice that rate: about half refused once the first minute's burst is spent.
        UserHistory fast = new UserHistory();
        int admitted = 0;
        for (long t = 0; t < 600_000; t += 250) {
            if (UserRateLimit.admit(fast, t, limit)) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(120 + 1_199, 120 + 1_201);
    }

    @Test
    void shouldNotRefillForALateEvent() {
        UserHistory history = new UserHistory();
        admitted(history, 60_000, 60, 60);
        assertThat(UserRateLimit.admit(history, 0, 60)).isFalse();
        assertThat(history.rateTime).isEqualTo(60_000);
        assertThat(UserRateLimit.admit(history, 61_000, 60)).isTrue();
    }

    @Test
    void shouldAdmitEverythingAndTouchNothingWhenOff() {
        UserHistory history = new UserHistory();
        assertThat(admitted(history, 0, 100_000, 0)).isEqualTo(100_000);
        assertThat(history.rateTime).isEqualTo(Long.MIN_VALUE);
    }
}
