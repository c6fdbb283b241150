package io.freshrec.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void shouldWriteExactDurationsInTheirLargestWholeUnit() {
        assertThat(Durations.text(300_000)).isEqualTo("5 min");
        assertThat(Durations.text(90_000)).isEqualTo("90 s");
        assertThat(Durations.text(3_600_000)).isEqualTo("1 h");
        assertThat(Durations.text(2 * 86_400_000L)).isEqualTo("2 d");
        assertThat(Durations.text(1500)).isEqualTo("1500 ms");
        assertThat(Durations.text(0)).isEqualTo("0 ms");
    }

    @Test
    void shouldRoundLongDurationsDownToAUnitTheyHoldTwiceOver() {
        assertThat(Durations.approximately(818_324_680_123L)).isEqualTo("9471 d");
        assertThat(Durations.approximately(3 * 60_000 + 400)).isEqualTo("3 min");
        assertThat(Durations.approximately(65_000)).isEqualTo("65 s");
        assertThat(Durations.approximately(1_000)).isEqualTo("1 s");
        assertThat(Durations.approximately(300)).isEqualTo("300 ms");
        assertThat(Durations.approximately(7_200_000)).isEqualTo("2 h");
    }
}
