package io.freshrec.sources;

import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * What a history file holds, read with the job's own parser: valid interactions, their users, items and time
 * span, and the records the job will send to the dead letters (by reason category). The bootstrap needs the
 * last valid event time (its final watermark) before the job starts, and prints the rest.
 */
public final class HistorySummary {
    /** Progress is reported every this many records. */
    public static final long PROGRESS_EVERY = 1_000_000;

    public long records;
    public long events;
    public long deadLetters;
    public final Map<String, Long> deadLettersByReason = new TreeMap<>();
    public long users;
    public long items;
    /** Event times of the first and last valid interaction (Long.MIN_VALUE when there is none). */
    public long firstEventTime = Long.MIN_VALUE;

    public long lastEventTime = Long.MIN_VALUE;

    private HistorySummary() {}

    /**
     * Reads {@code file} once; {@code nowMs} is the clock against which future events are rejected (as the job
     * does), {@code progress} hears the number of records read every {@link #PROGRESS_EVERY}.
     */
    public static HistorySummary read(Path file, InputFormat format, long nowMs, LongConsumer progress) {
        HistorySummary summary = new HistorySummary();
        InteractionParser parser = new InteractionParser(format);
        Set<Long> users = new HashSet<>();
        Set<Long> items = new HashSet<>();
        try {
            RecordFile.scan(file, (offset, length, line) -> {
                // Exactly the records the replay emits (FileReplay): no blank lines, no header.
                if (line.isBlank() || format.isHeader(line)) {
                    return;
                }
                summary.records++;
                ParseResult result = parser.parse(line, nowMs);
                if (result.isValid()) {
                    Interaction event = result.interaction();
                    summary.events++;
                    users.add(event.userId);
                    items.add(event.itemId);
                    summary.firstEventTime =
                            summary.events == 1 ? event.timestamp : Math.min(summary.firstEventTime, event.timestamp);
                    summary.lastEventTime = Math.max(summary.lastEventTime, event.timestamp);
                } else {
                    summary.deadLetters++;
                    summary.deadLettersByReason.merge(result.reasonCategory(), 1L, Long::sum);
                }
                if (summary.records % PROGRESS_EVERY == 0) {
                    progress.accept(summary.records);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        summary.users = users.size();
        summary.items = items.size();
        return summary;
    }
}
