package io.freshrec.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.events.Interaction;
import io.freshrec.model.Decay;
import io.freshrec.model.ModelConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;

/** An independent popularity head: every event before a time, its weight decayed to that time, summed per item. */
final class PopularityHead {
    private PopularityHead() {}

    /** Asserts that {@code head} (inspect's JSON, decayed to {@code at}) lists the top items of {@code events}. */
    static void assertHead(JsonNode head, List<Interaction> events, ModelConfig config, long at, int length) {
        Map<Long, Double> popularity = new HashMap<>();
        for (Interaction event : events) {
            if (event.timestamp < at) {
                popularity.merge(
                        event.itemId,
                        config.weights.weightOf(event) * Decay.factor(at - event.timestamp, config.trendingHalfLifeMs),
                        Double::sum);
            }
        }
        List<Entry<Long, Double>> ranked = new ArrayList<>(popularity.entrySet());
        ranked.sort(Comparator.<Entry<Long, Double>>comparingDouble(e -> -e.getValue())
                .thenComparingLong(Entry::getKey));
        assertThat(head).hasSize(length);
        for (int i = 0; i < length; i++) {
            double expected = ranked.get(i).getValue();
            assertThat(head.get(i).path("popularity").asDouble())
                    .as("popularity %d", i)
                    .isCloseTo(expected, within(1e-9 * expected));
            // Only an exact tie may swap items.
            assertThat(popularity.get(head.get(i).path("item").asLong()))
                    .as("item %d", i)
                    .isCloseTo(expected, within(1e-9 * expected));
        }
    }
}
