package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

class SharedDataTest {
    @TempDir
    Path dir;

    @Test
    void shouldFailAMissingDataSetUnderCiAndSkipItElsewhere() {
        Path missing = dir.resolve("ratings.csv");

        assertThatThrownBy(() -> SharedData.require(missing, true))
                .isInstanceOf(AssertionError.class)
                .isNotInstanceOf(TestAbortedException.class)
                .hasMessageContaining("missing under CI")
                .hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> SharedData.require(missing, false))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void shouldReturnAPresentDataSetWhetherUnderCiOrNot() throws Exception {
        Path present = Files.writeString(dir.resolve("ratings.csv"), "userId,movieId,rating,timestamp\n");

        assertThat(SharedData.require(present, true)).isEqualTo(present.toAbsolutePath());
        assertThat(SharedData.require(present, false)).isEqualTo(present.toAbsolutePath());
    }

    @Test
    void shouldReadTheCiVariableAsCiServicesSetIt() {
        assertThat(SharedData.underCi("true")).isTrue();
        assertThat(SharedData.underCi("1")).isTrue();
        assertThat(SharedData.underCi(null)).isFalse();
        assertThat(SharedData.underCi("")).isFalse();
        assertThat(SharedData.underCi("false")).isFalse();
    }
}
