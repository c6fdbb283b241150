package io.freshrec.evaluation;

import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import io.freshrec.sources.FileReplay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The interactions a replay of a file feeds the job, in the replay's order: {@link FileReplay}'s stable event-time
 * sort (file order breaks ties), each record read by the job's parser with its dead-letter rules.
 */
public final class ReplayedEvents {
    public final List<Interaction> events;
    public final long records;
    public final long deadLetters;
    /** Distinct items among the valid interactions: the catalogue that coverage is measured against. */
    public final int catalogue;

    public final int users;

    private ReplayedEvents(List<Interaction> events, long records, long deadLetters, int catalogue, int users) {
        this.events = events;
        this.records = records;
        this.deadLetters = deadLetters;
        this.catalogue = catalogue;
        this.users = users;
    }

    /** @param nowMs the clock future timestamps are judged by (the job uses its wall clock) */
    public static ReplayedEvents load(Path file, InputFormat format, long nowMs) {
        try (FileReplay replay = FileReplay.load(file, format)) {
            InteractionParser parser = new InteractionParser(format);
            List<Interaction> events = new ArrayList<>(replay.size());
            Set<Long> items = new HashSet<>();
            Set<Long> users = new HashSet<>();
            long deadLetters = 0;
            for (int i = 0; i < replay.size(); i++) {
                ParseResult result = parser.parse(replay.line(i), nowMs);
                if (result.isValid()) {
                    Interaction event = result.interaction();
                    events.add(event);
                    items.add(event.itemId);
                    users.add(event.userId);
                } else {
                    deadLetters++;
                }
            }
            return new ReplayedEvents(events, replay.size(), deadLetters, items.size(), users.size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }

    /** The most distinct items any one user has: a seen-items limit at least this large forgets nothing. */
    public int maxItemsPerUser() {
        Map<Long, Set<Long>> byUser = new HashMap<>();
        int max = 0;
        for (Interaction event : events) {
            Set<Long> items = byUser.computeIfAbsent(event.userId, u -> new HashSet<>());
            items.add(event.itemId);
            max = Math.max(max, items.size());
        }
        return max;
    }
}
