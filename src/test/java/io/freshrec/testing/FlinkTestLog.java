package io.freshrec.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The log Flink and Kafka write during tests (src/test/resources/log4j2-test.properties: warnings and errors to
 * {@code target/test-logs/tests.log}), read back so a failing test can say what Flink reported.
 */
public final class FlinkTestLog {
    static final Path FILE = Path.of("target", "test-logs", "tests.log");

    private FlinkTestLog() {}

    /** The last {@code limit} lines of the test log that contain {@code text}, or why there are none. */
    public static List<String> linesContaining(String text, int limit) {
        return linesContaining(FILE, text, limit);
    }

    static List<String> linesContaining(Path file, String text, int limit) {
        if (!Files.isRegularFile(file)) {
            return List.of("(no test log at " + file.toAbsolutePath() + ")");
        }
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            List<String> matching = lines.filter(line -> line.contains(text)).toList();
            return matching.isEmpty()
                    ? List.of("(no line with '" + text + "' in " + file + ")")
                    : matching.subList(Math.max(0, matching.size() - limit), matching.size());
        } catch (IOException | java.io.UncheckedIOException unreadable) {
            return List.of("(cannot read " + file + ": " + unreadable.getMessage() + ")");
        }
    }
}
