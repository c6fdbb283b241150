package io.freshrec.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import io.freshrec.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReplayTest {

    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, List.of(lines), StandardCharsets.UTF_8);
        return file;
    }

    private static List<String> lines(FileReplay replay) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < replay.size(); i++) {
            lines.add(replay.line(i));
        }
        return lines;
    }

    @Test
    void shouldSortCsvByTimestampSkippingHeaderAndBlankLines() throws IOException {
        Path file = write(
                "ratings.csv",
                "userId,movieId,rating,timestamp",
                "1,10,4.0,964982703",
                "",
                "2,20,3.0,964982001",
                "   ",
                "3,30,5.0,964982500");

        FileReplay replay = FileReplay.load(file, InputFormat.MOVIELENS_CSV);

        assertThat(lines(replay)).containsExactly("2,20,3.0,964982001", "3,30,5.0,964982500", "1,10,4.0,964982703");
        assertThat(replay.timestamp(0)).isEqualTo(964_982_001_000L);
        assertThat(replay.timestamp(1)).isEqualTo(964_982_500_000L);
        assertThat(replay.timestamp(2)).isEqualTo(964_982_703_000L);
        assertThat(FileReplay.count(file, InputFormat.MOVIELENS_CSV)).isEqualTo(3);
    }

    @Test
    void shouldKeepFileOrderForEqualTimestamps() throws IOException {
        Path file = write(
                "ratings.csv",
                "5,1,1.0,964982000",
                "4,2,2.0,964981000",
                "3,3,3.0,964982000",
                "2,4,4.0,964981000",
                "1,5,5.0,964982000");

        FileReplay replay = FileReplay.load(file, InputFormat.MOVIELENS_CSV);

        assertThat(lines(replay))
                .containsExactly(
                        "4,2,2.0,964981000",
                        "2,4,4.0,964981000",
                        "5,1,1.0,964982000",
                        "3,3,3.0,964982000",
                        "1,5,5.0,964982000");
    }

    @Test
    void shouldPutUnreadableRecordsLastInFileOrder() throws IOException {
        Path file = write(
                "events.jsonl",
                "{\"user\":1,\"item\":1,\"type\":\"view\",\"ts\":1700000002000}",
                "garbage",
                "{\"user\":2,\"item\":2,\"type\":\"click\",\"ts\":\"2023-11-14T22:13:20Z\"}",
                "{\"user\":3,\"item\":3,\"type\":\"rating\",\"value\":11,\"ts\":1700000000000}",
                "{\"user\":4,\"item\":4,\"type\":\"view\",\"ts\":1700000001000}");

        FileReplay replay = FileReplay.load(file, InputFormat.JSON_LINES);

        // 2023-11-14T22:13:20Z is 1700000000000 ms.
        assertThat(lines(replay))
                .containsExactly(
                        "{\"user\":2,\"item\":2,\"type\":\"click\",\"ts\":\"2023-11-14T22:13:20Z\"}",
                        "{\"user\":4,\"item\":4,\"type\":\"view\",\"ts\":1700000001000}",
                        "{\"user\":1,\"item\":1,\"type\":\"view\",\"ts\":1700000002000}",
                        "garbage",
                        "{\"user\":3,\"item\":3,\"type\":\"rating\",\"value\":11,\"ts\":1700000000000}");
        assertThat(replay.timestamp(0)).isEqualTo(1_700_000_000_000L);
        assertThat(replay.timestamp(3)).isEqualTo(Long.MAX_VALUE);
        assertThat(replay.timestamp(4)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldReplayEventsFromTheFutureInTheirPlace() throws IOException {
        Path file = write(
                "future.jsonl",
                "{\"user\":1,\"item\":1,\"type\":\"view\",\"ts\":7258118400000}",
                "{\"user\":2,\"item\":2,\"type\":\"view\",\"ts\":1700000000000}");

        FileReplay replay = FileReplay.load(file, InputFormat.JSON_LINES);

        // 2200-01-01 is a readable timestamp; replay ordering does not depend on the wall clock.
        assertThat(replay.timestamp(0)).isEqualTo(1_700_000_000_000L);
        assertThat(replay.timestamp(1)).isEqualTo(7_258_118_400_000L);
    }

    @Test
    void shouldReadTsvAndDatFormats() throws IOException {
        Path tsv = write("u.data", "196\t242\t3\t881250949", "186\t302\t3\t891717742", "22\t377\t1\t878887116");
        Path dat = write("ratings.dat", "1::1193::5::978300760", "1::661::3::978302109", "1::914::3::978301968");

        assertThat(lines(FileReplay.load(tsv, InputFormat.MOVIELENS_TSV)))
                .containsExactly("22\t377\t1\t878887116", "196\t242\t3\t881250949", "186\t302\t3\t891717742");
        assertThat(lines(FileReplay.load(dat, InputFormat.MOVIELENS_DAT)))
                .containsExactly("1::1193::5::978300760", "1::914::3::978301968", "1::661::3::978302109");
    }

    @Test
    void shouldMatchAStableBruteForceSortOnRandomFile() throws IOException {
        Random random = new Random(21);
        List<String> raw = new ArrayList<>();
        List<long[]> expectedKeys = new ArrayList<>(); // {seconds or MAX, position}
        for (int i = 0; i < 500; i++) {
            int kind = random.nextInt(10);
            if (kind == 0) {
                raw.add("");
                continue;
            }
            if (kind == 1) {
                raw.add("broken line " + i);
                expectedKeys.add(new long[] {Long.MAX_VALUE, expectedKeys.size()});
                continue;
            }
            long seconds = 964_980_000L + random.nextInt(50); // many ties
            raw.add((i % 7) + "," + i + ",3.5," + seconds);
            expectedKeys.add(new long[] {seconds * 1000, expectedKeys.size()});
        }
        Path file = write("random.csv", raw.toArray(new String[0]));
        List<String> kept = raw.stream().filter(l -> !l.isBlank()).toList();
        // Insertion sort: stable by construction.
        List<long[]> sorted = new ArrayList<>();
        for (long[] key : expectedKeys) {
            int at = sorted.size();
            while (at > 0 && sorted.get(at - 1)[0] > key[0]) {
                at--;
            }
            sorted.add(at, key);
        }

        FileReplay replay = FileReplay.load(file, InputFormat.MOVIELENS_CSV);

        assertThat(replay.size()).isEqualTo(kept.size());
        for (int i = 0; i < sorted.size(); i++) {
            assertThat(replay.line(i)).isEqualTo(kept.get((int) sorted.get(i)[1]));
            assertThat(replay.timestamp(i)).isEqualTo(sorted.get(i)[0]);
        }
        assertThat(FileReplay.count(file, InputFormat.MOVIELENS_CSV)).isEqualTo(kept.size());
    }

    @Test
    void shouldLoadAnEmptyFile() throws IOException {
        Path file = write("empty.csv", "userId,movieId,rating,timestamp");

        assertThat(FileReplay.load(file, InputFormat.MOVIELENS_CSV).size()).isZero();
        assertThat(FileReplay.count(file, InputFormat.MOVIELENS_CSV)).isZero();
    }

    @Test
    void shouldKeepTheHeaderLineOfAFormatWithoutHeaders() throws IOException {
        Path file = write("events.tsv", "userId,movieId,rating,timestamp", "1\t2\t3\t964982703");

        FileReplay replay = FileReplay.load(file, InputFormat.MOVIELENS_TSV);

        assertThat(lines(replay)).containsExactly("1\t2\t3\t964982703", "userId,movieId,rating,timestamp");
    }

    @Test
    void shouldFailWithTheFileNameWhenTheFileIsMissing() {
        Path missing = dir.resolve("nope.csv");

        assertThatThrownBy(() -> FileReplay.load(missing, InputFormat.MOVIELENS_CSV))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("nope.csv");
        assertThatThrownBy(() -> FileReplay.count(missing, InputFormat.MOVIELENS_CSV))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void shouldReplayEveryLineAroundBytesThatAreNotUtf8AndMarkOnlyThatRecord() throws IOException {
        // CRLF line ends, a multi-byte character, a stray 0xFF byte and a truncated 3-byte sequence, no final newline.
        byte[] bytes = concat(
                "{\"user\":1,\"item\":10,\"type\":\"view\",\"ts\":1704067203000,\"note\":\"caf\u00e9\"}\r\n",
                "{\"user\":2,\"item\":20,\"type\":\"view\",\"ts\":1704067201000,\"note\":\"",
                new byte[] {(byte) 0xFF},
                "\"}\n",
                "{\"user\":3,\"item\":30,\"type\":\"view\",\"ts\":1704067202000,\"note\":\"",
                new byte[] {(byte) 0xE2, (byte) 0x82},
                "\"}\n",
                "{\"user\":4,\"item\":40,\"type\":\"view\",\"ts\":1704067200500}");
        Path file = dir.resolve("events.jsonl");
        Files.write(file, bytes);

        assertThat(FileReplay.count(file, InputFormat.JSON_LINES)).isEqualTo(4);
        try (FileReplay replay = FileReplay.load(file, InputFormat.JSON_LINES)) {
            // The two bad lines have no readable time (the parser refuses them): last, in file order.
            assertThat(lines(replay))
                    .containsExactly(
                            "{\"user\":4,\"item\":40,\"type\":\"view\",\"ts\":1704067200500}",
                            "{\"user\":1,\"item\":10,\"type\":\"view\",\"ts\":1704067203000,\"note\":\"caf\u00e9\"}",
                            "{\"user\":2,\"item\":20,\"type\":\"view\",\"ts\":1704067201000,\"note\":\"\uFFFD\"}",
                            "{\"user\":3,\"item\":30,\"type\":\"view\",\"ts\":1704067202000,\"note\":\"\uFFFD\"}");
            assertThat(replay.timestamp(2)).isEqualTo(Long.MAX_VALUE);
            assertThat(replay.timestamp(3)).isEqualTo(Long.MAX_VALUE);
            // Read again, out of order: each record comes from its own place in the file.
            assertThat(replay.line(1)).contains("caf\u00e9");
            assertThat(replay.line(0)).endsWith("\"ts\":1704067200500}");
        }
        ParseResult bad = new InteractionParser(InputFormat.JSON_LINES)
                .parse(
                        "{\"user\":2,\"item\":20,\"type\":\"view\",\"ts\":1704067201000,\"note\":\"\uFFFD\"}",
                        1704067300000L);
        assertThat(bad.reason()).startsWith("bad-encoding: ");
    }

    private static byte[] concat(Object... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            out.write(part instanceof byte[] raw ? raw : ((String) part).getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void shouldLoadTheSharedMovieLensSmallFileInTimestampOrder() {
        Path file = SharedData.require(SharedData.MOVIELENS_SMALL_RATINGS);

        FileReplay replay = FileReplay.load(file, InputFormat.MOVIELENS_CSV);

        assertThat(replay.size()).isEqualTo(100_836);
        for (int i = 1; i < replay.size(); i++) {
            assertThat(replay.timestamp(i)).isGreaterThanOrEqualTo(replay.timestamp(i - 1));
        }
        assertThat(replay.timestamp(replay.size() - 1)).isLessThan(Long.MAX_VALUE);
    }
}
