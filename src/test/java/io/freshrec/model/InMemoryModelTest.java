package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InMemoryModelTest {

    private static final long T = 1_700_000_000_000L;

    private static List<Map.Entry<Long, Double>> topK(Map<Long, Double> values, int k) {
        List<Map.Entry<Long, Double>> all = new ArrayList<>(values.entrySet());
        all.sort(Comparator.<Map.Entry<Long, Double>>comparingDouble(Map.Entry::getValue)
                .reversed()
                .thenComparing(Map.Entry::getKey));
        return all.subList(0, Math.min(k, all.size()));
    }

    @Test
    void shouldTrackUsersItemsAndVersion() {
        InMemoryModel model = new InMemoryModel(new ModelConfig());
        model.apply(new Interaction(1, 10, EventType.VIEW, Double.NaN, T));
        model.apply(new Interaction(1, 11, EventType.CLICK, Double.NaN, T + 1));
        model.apply(new Interaction(2, 10, EventType.PURCHASE, Double.NaN, T + 2));

        assertThat(model.users()).isEqualTo(2);
        assertThat(model.itemCount()).isEqualTo(2);
        assertThat(model.version()).isEqualTo(3);
        assertThat(model.knowsUser(1)).isTrue();
        assertThat(model.knowsUser(3)).isFalse();
        assertThat(model.hasSeen(1, 11)).isTrue();
        assertThat(model.hasSeen(2, 11)).isFalse();
        assertThat(model.hasSeen(3, 10)).isFalse();
        assertThat(model.item(12)).isNull();
    }

    @Test
    void shouldRecommendWhatOtherUsersDidNextButNothingAlreadySeen() {
        ModelConfig config = new ModelConfig();
        InMemoryModel model = new InMemoryModel(config);
        long t = T;
        for (long user = 1; user <= 5; user++) {
            model.apply(new Interaction(user, 10, EventType.VIEW, Double.NaN, t++));
            model.apply(new Interaction(user, 20, EventType.PURCHASE, Double.NaN, t++));
        }
        model.apply(new Interaction(9, 10, EventType.VIEW, Double.NaN, t));

        Recommendations result = model.recommend(9, t);

        assertThat(result.items).isNotEmpty();
        assertThat(result.items[0]).isEqualTo(20L);
        assertThat(result.items).doesNotContain(10L);
        assertThat(result.fromTrending).isZero();
    }

    /**
     * No decay of co-occurrence or interest: the model's neighbour lists must be the exact top-K of the
     * co-occurrence summed from every pair the users' histories emit, ties by smaller id; norms the sum of
     * norm increments; the trending list the top items by decayed weight.
     */
    @Test
    void shouldHoldExactTopNeighboursNormsAndTrendingForARandomStream() {
        ModelConfig config = new ModelConfig();
        config.historyLength = 3;
        config.neighbours = 4;
        config.trendingSize = 5;
        config.topN = 5;
        config.similarityHalfLifeMs = 0;
        config.historyHalfLifeMs = 0;
        config.trendingHalfLifeMs = 50_000;
        config.validate();
        InMemoryModel model = new InMemoryModel(config);

        Map<Long, UserHistory> histories = new HashMap<>();
        Map<Long, Map<Long, Double>> cooccurrence = new HashMap<>();
        Map<Long, Double> norms = new HashMap<>();
        Map<Long, List<double[]>> interactions = new HashMap<>(); // item -> {weight, time}
        Random random = new Random(5);
        EventType[] types = {EventType.VIEW, EventType.CLICK, EventType.ADD_TO_CART, EventType.PURCHASE};
        long t = T;
        for (int i = 0; i < 600; i++) {
            t += 1 + random.nextInt(2_000);
            Interaction event = new Interaction(
                    1 + random.nextInt(8), 1 + random.nextInt(15), types[random.nextInt(types.length)], Double.NaN, t);
            model.apply(event);

            double weight = config.weights.weightOf(event);
            interactions.computeIfAbsent(event.itemId, k -> new ArrayList<>()).add(new double[] {weight, t});
            histories
                    .computeIfAbsent(event.userId, u -> new UserHistory())
                    .apply(event.itemId, weight, t, config, new UserHistory.UpdateSink() {
                        @Override
                        public void pair(long item, long other, double amount, long time) {
                            cooccurrence
                                    .computeIfAbsent(item, k -> new HashMap<>())
                                    .merge(other, amount, Double::sum);
                        }

                        @Override
                        public void item(long item, double w, double normIncrement, long time) {
                            norms.merge(item, normIncrement, Double::sum);
                        }
                    });
        }

        for (long item = 1; item <= 15; item++) {
            ItemSnapshot snapshot = model.item(item);
            assertThat(snapshot).isNotNull();
            assertThat(snapshot.problem(config.neighbours)).isNull();
            List<Map.Entry<Long, Double>> expected = topK(cooccurrence.getOrDefault(item, Map.of()), config.neighbours);
            assertThat(snapshot.neighbours)
                    .as("neighbours of %d", item)
                    .containsExactly(
                            expected.stream().mapToLong(Map.Entry::getKey).toArray());
            assertThat(snapshot.cooccurrence)
                    .containsExactly(
                            expected.stream().mapToDouble(Map.Entry::getValue).toArray());
            assertThat(snapshot.norm).isEqualTo(norms.get(item));
        }

        long end = t;
        Map<Long, Double> trendingAtEnd = new HashMap<>();
        interactions.forEach((item, list) -> trendingAtEnd.put(
                item,
                list.stream()
                        .mapToDouble(e -> e[0] * Math.pow(0.5, (end - (long) e[1]) / 50_000.0))
                        .sum()));
        List<Map.Entry<Long, Double>> expectedTrending = topK(trendingAtEnd, config.trendingSize);
        TrendingList trending = model.trending();
        assertThat(trending.time).isEqualTo(end);
        assertThat(trending.items)
                .containsExactly(
                        expectedTrending.stream().mapToLong(Map.Entry::getKey).toArray());
        for (int i = 0; i < trending.items.length; i++) {
            assertThat(trending.scores[i]).isCloseTo(expectedTrending.get(i).getValue(), within(1e-9));
        }
    }

    /**
     * seen-limit = history-length is a valid configuration. A user who views 1, 2, then 1 again and then 3
     * has 1 and 3 in the recent history; item 1 must not be recommended back to them.
     */
    @Test
    void shouldNotRecommendAnItemStillInTheUsersRecentHistory() {
        ModelConfig config = new ModelConfig();
        config.historyLength = 2;
        config.seenLimit = 2;
        config.validate();
        InMemoryModel model = new InMemoryModel(config);
        model.apply(new Interaction(1, 1, EventType.VIEW, Double.NaN, T));
        model.apply(new Interaction(1, 2, EventType.VIEW, Double.NaN, T + 1_000));
        model.apply(new Interaction(1, 1, EventType.VIEW, Double.NaN, T + 2_000));
        model.apply(new Interaction(1, 3, EventType.VIEW, Double.NaN, T + 3_000));

        Recommendations result = model.recommend(1, T + 3_000);

        assertThat(result.items).doesNotContain(1L);
        assertThat(model.hasSeen(1, 1)).isTrue();
    }

    @Test
    void shouldHoldItemSideUpdatesUntilCaughtUpAndThenMatchTheImmediateModel() {
        ModelConfig config = new ModelConfig();
        InMemoryModel immediate = new InMemoryModel(config);
        InMemoryModel deferred = new InMemoryModel(config);
        Random random = new Random(3);
        List<Interaction> events = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            events.add(new Interaction(
                    1 + random.nextInt(20), 1 + random.nextInt(40), EventType.CLICK, Double.NaN, T + i));
        }
        Interaction first = events.get(0);
        deferred.defer(first);
        // The user's side at once, the items' only once caught up.
        assertThat(deferred.history(first.userId).items).containsExactly(first.itemId);
        assertThat(deferred.hasSeen(first.userId, first.itemId)).isTrue();
        assertThat(deferred.item(first.itemId)).isNull();
        deferred.catchUp();
        assertThat(deferred.item(first.itemId)).isNotNull();
        immediate.apply(first);
        for (Interaction event : events.subList(1, events.size())) {
            immediate.apply(event);
            deferred.defer(event);
            if (event.timestamp % 7 == 0) {
                deferred.catchUp();
            }
        }
        deferred.catchUp();
        for (long user = 1; user <= 20; user++) {
            Recommendations expected = immediate.recommend(user, T + 400);
            Recommendations actual = deferred.recommend(user, T + 400);
            assertThat(actual.items).containsExactly(expected.items);
            assertThat(actual.scores).containsExactly(expected.scores);
        }
    }
}
