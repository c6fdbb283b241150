package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.evaluation.ReplayedEvents;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code produce --output}: the generator's stream as a file to replay and evaluate, without Kafka. */
class ProduceFileTest {
    @TempDir
    Path work;

    private static CliRun produce(Path file, String start) throws Exception {
        return CliRun.of(
                "produce",
                "--output",
                file.toString(),
                "--events",
                "2000",
                "--rate",
                "20",
                "--users",
                "50",
                "--items",
                "100",
                "--bad-rate",
                "0.01",
                "--start",
                start);
    }

    @Test
    void shouldWriteTheGeneratorsRecordsOnItsClockTheSameForTheSameSeedAndStart() throws Exception {
        Path file = work.resolve("out/generated.jsonl");

        CliRun run = produce(file, "2024-01-01T00:00:00Z");

        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("Wrote 2,000 generated records to " + file + ": 50 users, 100 items");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2000);
        ReplayedEvents replay = ReplayedEvents.load(file, InputFormat.JSON_LINES, System.currentTimeMillis());
        // About 1% broken on purpose: dead letters, the rest interactions of the generator's users and items.
        assertThat(replay.deadLetters).isBetween(5L, 50L);
        assertThat(replay.events).hasSize(2000 - (int) replay.deadLetters);
        assertThat(replay.events).allSatisfy(event -> {
            assertThat(event.userId).isBetween(1L, 50L);
            assertThat(event.itemId).isBetween(1L, 100L);
        });
        // 20 events per second of event time from the start given: 100 s of it.
        Interaction first = replay.events.get(0);
        Interaction last = replay.events.get(replay.events.size() - 1);
        assertThat(first.timestamp).isBetween(1_704_067_200_000L, 1_704_067_201_000L);
        assertThat(last.timestamp - first.timestamp).isBetween(99_000L, 100_000L);

        // The same seed and start, the same file; another start, another clock.
        Path again = work.resolve("again.jsonl");
        assertThat(produce(again, "2024-01-01T00:00:00Z").code()).isZero();
        assertThat(Files.readAllLines(again)).isEqualTo(lines);
        Path later = work.resolve("later.jsonl");
        assertThat(produce(later, "2025-06-01T00:00:00Z").code()).isZero();
        assertThat(Files.readAllLines(later).get(0)).endsWith("\"ts\":1748736000000}");
    }

    @Test
    void shouldRefuseAFileWithoutACountOrEndingInTheFutureInOneLine() throws Exception {
        CliRun run = CliRun.of("produce", "--output", work.resolve("x.jsonl").toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err().strip())
                .isEqualTo("freshrec: --output needs --events (at least 1): how many records to write");

        CliRun future = produce(work.resolve("y.jsonl"), "2999-01-01T00:00:00Z");
        assertThat(future.code()).isEqualTo(2);
        assertThat(future.err().strip())
                .startsWith("freshrec: --start 2999-01-01T00:00:00Z: the last record would be in the future");
        assertThat(work.resolve("y.jsonl")).doesNotExist();
    }
}
