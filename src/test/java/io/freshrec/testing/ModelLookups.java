package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ItemState;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntSupplier;

/**
 * Everything a running job answers through queryable state, as comparable text: every user's served list
 * and every item's model state, exactly (doubles in full), "absent" where the job has none. Two jobs serve
 * the same model when these maps are equal.
 */
public final class ModelLookups {
    private ModelLookups() {}

    public static Map<String, String> read(RecommendationClient lookups, Collection<Long> users, Collection<Long> items)
            throws Exception {
        Map<String, String> all = new TreeMap<>();
        for (long user : users) {
            Optional<Recommendations> list = lookups.recommendations(user);
            all.put("user " + user, list.map(ModelLookups::describe).orElse("absent"));
        }
        for (long item : items) {
            Optional<ItemState> state = lookups.similarItems(item);
            all.put("item " + item, state.map(ModelLookups::describe).orElse("absent"));
        }
        return all;
    }

    /** What serving answers (the wall-clock fields, when the list was computed, left out). */
    public static String describe(Recommendations list) {
        return "items " + Arrays.toString(list.items) + " scores " + Arrays.toString(list.scores) + " trending "
                + list.fromTrending + " model v" + list.modelVersion + " at " + list.eventTime;
    }

    public static String describe(ItemState state) {
        ItemSnapshot s = state.snapshot;
        return "neighbours " + Arrays.toString(s.neighbours) + " cooccurrence " + Arrays.toString(s.cooccurrence)
                + " norm "
                + s.norm + " trending " + s.trending + " time " + s.time + " version " + s.versionTime + " last event "
                + state.lastEventTime + " last version " + state.lastVersionTime + " publications "
                + state.publications;
    }

    /**
     * Waits until the job has served {@code expectedLists} lists (one per interaction when serving waits for
     * the model) and every task has processed watermark {@code endWatermark}, then until two reads in a row
     * agree (the watermark metric is set just before the timers it fires have run); returns the last read.
     */
    public static Map<String, String> awaitFinal(
            RecommendationClient lookups,
            FlinkRest rest,
            String jobId,
            IntSupplier servedLists,
            int expectedLists,
            long endWatermark,
            Collection<Long> users,
            Collection<Long> items,
            Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (servedLists.getAsInt() < expectedLists || rest.lowestInputWatermark(jobId) < endWatermark) {
            assertThat(System.nanoTime())
                    .as(
                            "job %s served %d of %d lists and reached watermark %d in time",
                            jobId, servedLists.getAsInt(), expectedLists, endWatermark)
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
        Map<String, String> previous = read(lookups, users, items);
        while (true) {
            Thread.sleep(500);
            Map<String, String> current = read(lookups, users, items);
            if (current.equals(previous)) {
                return current;
            }
            assertThat(System.nanoTime())
                    .as("lookups of job %s settled in time", jobId)
                    .isLessThan(deadline);
            previous = current;
        }
    }
}
