package io.freshrec.evaluation;

import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A copy of an interaction file with every timestamp rounded down to a multiple of a resolution (a day, as in exports
 * that keep only the date), in the file's own order, as FreshRec JSON lines: so that {@code evaluate} can measure how
 * a model fares on coarse timestamps without anyone keeping a second copy of a data set. Within one rounded time the
 * file's order is all a replay has left (its stable sort keeps it), as with a real export. A record the parser
 * refuses is copied unchanged: it stays a dead letter.
 */
public final class RoundedTimestamps {
    private RoundedTimestamps() {}

    /** Writes the copy; returns how many records it holds. */
    public static long write(Path input, InputFormat format, Duration resolution, Path output, long nowMs) {
        long step = resolution.toMillis();
        if (step < 1) {
            throw new IllegalArgumentException("the time resolution must be at least 1 ms: " + resolution);
        }
        InteractionParser parser = new InteractionParser(format);
        long records = 0;
        try {
            Path parent = output.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8);
                    BufferedWriter writer = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isBlank() || format.isHeader(line)) {
                        continue;
                    }
                    ParseResult result = parser.parse(line, nowMs);
                    if (result.isValid()) {
                        Interaction event = result.interaction();
                        event.timestamp = Math.floorDiv(event.timestamp, step) * step;
                        writer.write(InteractionParser.toJson(event));
                    } else {
                        writer.write(line);
                    }
                    writer.newLine();
                    records++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        }
        return records;
    }
}
