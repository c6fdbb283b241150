package io.freshrec.sources;

import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A file's records in event-time order, with the file's line order breaking ties (a stable sort),
 * ready to replay. Headers and blank lines are skipped; records without a readable timestamp sort
 * last and become dead letters in the job.
 */
public final class FileReplay {
    private final List<String> lines;
    private final long[] timestamps;

    private FileReplay(List<String> lines, long[] timestamps) {
        this.lines = lines;
        this.timestamps = timestamps;
    }

    public static FileReplay load(Path file, InputFormat format) {
        List<String> raw;
        try {
            raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        InteractionParser parser = new InteractionParser(format);
        List<String> kept = new ArrayList<>(raw.size());
        List<long[]> keys = new ArrayList<>(raw.size());
        for (String line : raw) {
            if (line.isBlank() || format.isHeader(line)) {
                continue;
            }
            keys.add(new long[] {parser.timestampOf(line), kept.size()});
            kept.add(line);
        }
        long[][] order = keys.toArray(new long[0][]);
        Arrays.sort(order, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        List<String> sorted = new ArrayList<>(order.length);
        long[] times = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            sorted.add(kept.get((int) order[i][1]));
            times[i] = order[i][0];
        }
        return new FileReplay(sorted, times);
    }

    /** Counts the records a replay of {@code file} will emit, without sorting. */
    public static long count(Path file, InputFormat format) {
        try (var stream = Files.lines(file, StandardCharsets.UTF_8)) {
            return stream.filter(line -> !line.isBlank() && !format.isHeader(line))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public int size() {
        return lines.size();
    }

    public String line(int index) {
        return lines.get(index);
    }

    /** Event time of record {@code index}; Long.MAX_VALUE when unreadable. */
    public long timestamp(int index) {
        return timestamps[index];
    }
}
