package io.freshrec.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InputFormatTest {

    @ParameterizedTest
    @CsvSource({
        "ratings.csv, MOVIELENS_CSV",
        "RATINGS.CSV, MOVIELENS_CSV",
        "ml-1m/ratings.dat, MOVIELENS_DAT",
        "ml-100k/u.data, MOVIELENS_TSV",
        "u1.base.data, MOVIELENS_TSV",
        "events.tsv, MOVIELENS_TSV",
        "events.jsonl, JSON_LINES",
        "events.json, JSON_LINES",
        "events, JSON_LINES",
    })
    void shouldDetectFormatFromFileName(String name, InputFormat expected) {
        assertThat(InputFormat.detect(Path.of("/data").resolve(name))).isEqualTo(expected);
    }

    @Test
    void shouldTreatOnlyTheMovieLensCsvHeaderAsHeader() {
        assertThat(InputFormat.MOVIELENS_CSV.isHeader("userId,movieId,rating,timestamp"))
                .isTrue();
        assertThat(InputFormat.MOVIELENS_CSV.isHeader("1,1,4.0,964982703")).isFalse();
        assertThat(InputFormat.MOVIELENS_TSV.isHeader("userId,movieId,rating,timestamp"))
                .isFalse();
        assertThat(InputFormat.JSON_LINES.isHeader("userId,movieId,rating,timestamp"))
                .isFalse();
    }
}
