package io.freshrec.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoundedTimestampsTest {
    private static final long DAY_SECONDS = 86_400;
    /** 2020-09-13 12:26:40 UTC. */
    private static final long NOON_SECONDS = 1_600_000_000L;

    private static final long DAY_START_MS = NOON_SECONDS / DAY_SECONDS * DAY_SECONDS * 1000;

    @TempDir
    Path dir;

    @Test
    void shouldRoundEveryTimestampDownInTheFilesOrderAndKeepBadRecordsAsDeadLetters() throws Exception {
        Path input = dir.resolve("ratings.csv");
        Files.write(
                input,
                List.of(
                        "userId,movieId,rating,timestamp",
                        "1,30,4.0," + (NOON_SECONDS + 3600), // later that day, first in the file
                        "1,20,3.5," + NOON_SECONDS,
                        "2,20,5.0," + (NOON_SECONDS + DAY_SECONDS),
                        "2,x,5.0," + NOON_SECONDS));
        Path output = dir.resolve("out/rounded.jsonl");

        long records = RoundedTimestamps.write(
                input, InputFormat.MOVIELENS_CSV, Duration.ofDays(1), output, System.currentTimeMillis());

        assertThat(records).isEqualTo(4);
        assertThat(Files.readAllLines(output))
                .containsExactly(
                        "{\"user\":1,\"item\":30,\"type\":\"rating\",\"value\":4.0,\"ts\":" + DAY_START_MS + "}",
                        "{\"user\":1,\"item\":20,\"type\":\"rating\",\"value\":3.5,\"ts\":" + DAY_START_MS + "}",
                        "{\"user\":2,\"item\":20,\"type\":\"rating\",\"value\":5.0,\"ts\":"
                                + (DAY_START_MS + DAY_SECONDS * 1000) + "}",
                        "2,x,5.0," + NOON_SECONDS);

        // Replayed: one day's records in the file's order (the hour they had is gone), the bad one a dead letter.
        ReplayedEvents replay = ReplayedEvents.load(output, InputFormat.JSON_LINES, System.currentTimeMillis());
        assertThat(replay.deadLetters).isEqualTo(1);
        assertThat(replay.events).extracting(event -> event.itemId).containsExactly(30L, 20L, 20L);
        assertThat(replay.events)
                .extracting(event -> event.timestamp)
                .containsExactly(DAY_START_MS, DAY_START_MS, DAY_START_MS + DAY_SECONDS * 1000);
        Interaction original = ReplayedEvents.load(input, InputFormat.MOVIELENS_CSV, System.currentTimeMillis())
                .events
                .get(0);
        assertThat(original.itemId).isEqualTo(20L); // the original order was by the hour
    }

    @Test
    void shouldRefuseAResolutionBelowAMillisecond() {
        assertThatThrownBy(() -> RoundedTimestamps.write(
                        dir.resolve("in"), InputFormat.JSON_LINES, Duration.ZERO, dir.resolve("out"), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 ms");
    }
}
