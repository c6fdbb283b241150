package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScorerTest {

    private static final long T = 1_700_000_000_000L;
    private static final long MINUTE = 60_000L;

    /** A hand-filled model: a plain map of snapshots and a trending list (no mocking). */
    static final class FixedModel implements ModelView {
        final Map<Long, ItemSnapshot> items = new HashMap<>();
        TrendingList trending = new TrendingList();
        long version = 17;

        FixedModel item(long item, double norm, long[] neighbours, double[] cooccurrence) {
            ItemSnapshot snapshot = new ItemSnapshot();
            snapshot.item = item;
            snapshot.time = T;
            snapshot.norm = norm;
            snapshot.neighbours = neighbours;
            snapshot.cooccurrence = cooccurrence;
            items.put(item, snapshot);
            return this;
        }

        FixedModel item(long item, double norm) {
            return item(item, norm, new long[0], new double[0]);
        }

        FixedModel trending(long[] items, double[] scores) {
            trending.items = items;
            trending.scores = scores;
            trending.time = T;
            return this;
        }

        @Override
        public ItemSnapshot item(long itemId) {
            return items.get(itemId);
        }

        @Override
        public TrendingList trending() {
            return trending;
        }

        @Override
        public long version() {
            return version;
        }
    }

    private static ModelConfig config(double alpha, int topN) {
        ModelConfig config = new ModelConfig();
        config.normExponent = alpha;
        config.topN = topN;
        config.similarityHalfLifeMs = 0;
        config.historyHalfLifeMs = 0;
        config.trendingHalfLifeMs = 10 * MINUTE;
        return config;
    }

    private static UserHistory history(long[] items, double[] weights) {
        UserHistory history = new UserHistory();
        history.items = items;
        history.weights = weights;
        history.times = new long[items.length];
        Arrays.fill(history.times, T);
        history.lastEventTime = T;
        return history;
    }

    private static SeenItems seen(long... items) {
        SeenItems seen = new SeenItems();
        for (long item : items) {
            seen.add(item, 1000);
        }
        return seen;
    }

    /**
     * alpha = 0.75. History: item 1 (interest 2, N = 16 so N^0.75 = 8) and item 2 (interest 1, N = 1).
     * Candidates: 10 (N = 81, so N^0.25 = 3) and 11 (N = 1).
     * score(10) = 2 * 12 / (8 * 3) = 1
     * score(11) = 2 * 4 / (8 * 1) + 1 * 0.5 / (1 * 1) = 1.5
     * Item 2 (a neighbour of 1) and 12 (a neighbour of 2) are seen; 13 is unknown to the model.
     */
    @Test
    void shouldScoreByNormalisedCooccurrenceOnAHandComputedExample() {
        FixedModel model = new FixedModel()
                .item(1, 16, new long[] {10, 11, 2}, new double[] {12, 4, 3})
                .item(2, 1, new long[] {12, 11, 13}, new double[] {5, 0.5, 0.25})
                .item(10, 81)
                .item(11, 1)
                .item(12, 1);
        Scorer scorer = new Scorer(config(0.75, 5));

        Recommendations result =
                scorer.recommend(42, history(new long[] {1, 2}, new double[] {2, 1}), seen(1, 2, 12), model, T);

        assertThat(result.items).containsExactly(11L, 10L);
        assertThat(result.scores).containsExactly(new double[] {1.5, 1.0}, within(1e-12));
        assertThat(result.fromTrending).isZero();
        assertThat(result.userId).isEqualTo(42);
        assertThat(result.modelVersion).isEqualTo(17);
        assertThat(result.eventTime).isEqualTo(T);
    }

    @Test
    void shouldUseCosineWhenTheExponentIsOneHalf() {
        // cosine: C / sqrt(N(j) N(c)) = 6 / sqrt(4 * 9) = 1, times interest 3
        FixedModel model =
                new FixedModel().item(1, 4, new long[] {10}, new double[] {6}).item(10, 9);

        Recommendations result =
                new Scorer(config(0.5, 5)).recommend(1, history(new long[] {1}, new double[] {3}), seen(1), model, T);

        assertThat(result.items).containsExactly(10L);
        assertThat(result.scores[0]).isCloseTo(3.0, within(1e-12));
    }

    @Test
    void shouldIgnoreCandidateNormAtExponentOneAndSourceNormAtZero() {
        FixedModel model =
                new FixedModel().item(1, 4, new long[] {10}, new double[] {6}).item(10, 9);
        UserHistory history = history(new long[] {1}, new double[] {1});

        assertThat(new Scorer(config(1.0, 5)).recommend(1, history, seen(1), model, T).scores[0])
                .isCloseTo(6.0 / 4, within(1e-12));
        assertThat(new Scorer(config(0.0, 5)).recommend(1, history, seen(1), model, T).scores[0])
                .isCloseTo(6.0 / 9, within(1e-12));
    }

    @Test
    void shouldRankEqualScoresBySmallerIdFirst() {
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {30, 20, 40}, new double[] {1, 1, 1})
                .item(20, 1)
                .item(30, 1)
                .item(40, 1);

        Recommendations result =
                new Scorer(config(0.5, 5)).recommend(1, history(new long[] {1}, new double[] {1}), seen(1), model, T);

        assertThat(result.items).containsExactly(20L, 30L, 40L);
    }

    @Test
    void shouldExcludeSeenItemsEvenWhenTheyAreStrongNeighbours() {
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {5, 6, 7}, new double[] {9, 5, 1})
                .item(5, 1)
                .item(6, 1)
                .item(7, 1);

        Recommendations result = new Scorer(config(0.5, 5))
                .recommend(1, history(new long[] {1}, new double[] {1}), seen(1, 5), model, T);

        assertThat(result.items).containsExactly(6L, 7L);
    }

    @Test
    void shouldSkipCandidatesAndSourcesWithoutNorm() {
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {5, 6}, new double[] {2, 1})
                .item(2, 0, new long[] {7}, new double[] {3})
                .item(5, 0)
                .item(6, 1)
                .item(7, 1);

        Recommendations result = new Scorer(config(0.5, 5))
                .recommend(1, history(new long[] {1, 2}, new double[] {1, 1}), seen(1, 2), model, T);

        assertThat(result.items).containsExactly(6L);
    }

    @Test
    void shouldIgnoreHistoryItemsTheModelDoesNotKnow() {
        FixedModel model =
                new FixedModel().item(1, 1, new long[] {5}, new double[] {2}).item(5, 1);

        Recommendations result = new Scorer(config(0.5, 5))
                .recommend(1, history(new long[] {99, 1}, new double[] {1, 1}), seen(1, 99), model, T);

        assertThat(result.items).containsExactly(5L);
        assertThat(result.scores[0]).isCloseTo(2.0, within(1e-12));
    }

    @Test
    void shouldFillFromTrendingWhenNeighboursAreTooFew() {
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {10, 11}, new double[] {2, 1})
                .item(10, 1)
                .item(11, 1)
                .trending(new long[] {1, 11, 20, 21, 22, 23}, new double[] {9, 8, 7, 6, 5, 4});

        Recommendations result =
                new Scorer(config(0.5, 5)).recommend(1, history(new long[] {1}, new double[] {1}), seen(1), model, T);

        // Neighbours first; then trending minus the seen item 1 and the already listed 11.
        assertThat(result.items).containsExactly(10L, 11L, 20L, 21L, 22L);
        assertThat(result.fromTrending).isEqualTo(3);
        assertThat(result.scores).containsExactly(new double[] {2.0, 1.0, 0.0, 0.0, 0.0}, within(1e-12));
    }

    @Test
    void shouldServeTrendingToAUserWithoutHistory() {
        FixedModel model = new FixedModel().item(5, 1).trending(new long[] {5, 6, 7}, new double[] {3, 2, 1});

        Recommendations result = new Scorer(config(0.5, 2)).recommend(9, new UserHistory(), new SeenItems(), model, T);

        assertThat(result.items).containsExactly(5L, 6L);
        assertThat(result.fromTrending).isEqualTo(2);
    }

    @Test
    void shouldReturnAShortListWhenNothingIsLeftToRecommend() {
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {2}, new double[] {1})
                .item(2, 1)
                .trending(new long[] {1, 2}, new double[] {2, 1});

        Recommendations result = new Scorer(config(0.5, 5))
                .recommend(1, history(new long[] {1}, new double[] {1}), seen(1, 2), model, T);

        assertThat(result.items).isEmpty();
        assertThat(result.scores).isEmpty();
        assertThat(result.fromTrending).isZero();
    }

    @Test
    void shouldCutTheListAtTopN() {
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {10, 11, 12, 13}, new double[] {4, 3, 2, 1})
                .trending(new long[] {20}, new double[] {1});
        for (long item = 10; item <= 13; item++) {
            model.item(item, 1);
        }

        Recommendations result =
                new Scorer(config(0.5, 2)).recommend(1, history(new long[] {1}, new double[] {1}), seen(1), model, T);

        assertThat(result.items).containsExactly(10L, 11L);
        assertThat(result.fromTrending).isZero();
    }

    @Test
    void shouldSumContributionsFromSeveralHistoryItems() {
        // Two sources reach 10: 1 * 1 / 1 + 1 * 1 / 1 = 2 beats 11 reached once with 1.5.
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {11, 10}, new double[] {1.5, 1})
                .item(2, 1, new long[] {10}, new double[] {1})
                .item(10, 1)
                .item(11, 1);

        Recommendations result = new Scorer(config(0.5, 5))
                .recommend(1, history(new long[] {1, 2}, new double[] {1, 1}), seen(1, 2), model, T);

        assertThat(result.items).containsExactly(10L, 11L);
        assertThat(result.scores).containsExactly(new double[] {2.0, 1.5}, within(1e-12));
    }

    @Test
    void shouldHalveScoresAfterOneHistoryHalfLife() {
        ModelConfig config = config(0.5, 5);
        config.historyHalfLifeMs = 15 * MINUTE;
        FixedModel model =
                new FixedModel().item(1, 4, new long[] {10}, new double[] {6}).item(10, 9);
        UserHistory history = history(new long[] {1}, new double[] {3});

        double atEvent = new Scorer(config).recommend(1, history, seen(1), model, T).scores[0];
        double later = new Scorer(config).recommend(1, history, seen(1), model, T + 15 * MINUTE).scores[0];

        assertThat(atEvent).isCloseTo(3.0, within(1e-12));
        assertThat(later).isCloseTo(1.5, within(1e-12));
    }

    @Test
    void shouldLeaveSimilarityUnchangedWhenCooccurrenceAndNormsDecayTogether() {
        // C / (N(j)^a N(c)^(1-a)) is scale-free: decaying all three by the same factor cancels.
        ModelConfig config = config(0.75, 5);
        config.similarityHalfLifeMs = 10 * MINUTE;
        FixedModel model =
                new FixedModel().item(1, 16, new long[] {10}, new double[] {12}).item(10, 81);
        UserHistory history = history(new long[] {1}, new double[] {2});

        double later = new Scorer(config).recommend(1, history, seen(1), model, T + 25 * MINUTE).scores[0];

        assertThat(later).isCloseTo(1.0, within(1e-12));
    }

    /**
     * Blend 0.5, trending top = 8: candidate 10 (neighbour score 0.2, trending 4) gets 0.2 + 0.5 * 4 / 8 =
     * 0.45; item 20 (trending 8, no neighbour link) gets 0.5 * 8 / 8 = 0.5.
     */
    @Test
    void shouldBlendNormalisedTrendingPopularityIntoScores() {
        ModelConfig config = config(0.5, 2);
        config.popularityBlend = 0.5;
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {10}, new double[] {0.2})
                .item(10, 1)
                .item(20, 1)
                .trending(new long[] {20, 10}, new double[] {8, 4});
        model.items.get(10L).trending = 4;
        model.items.get(20L).trending = 8;

        Recommendations result =
                new Scorer(config).recommend(1, history(new long[] {1}, new double[] {1}), seen(1), model, T);

        assertThat(result.items).containsExactly(20L, 10L);
        assertThat(result.scores).containsExactly(new double[] {0.5, 0.45}, within(1e-12));
        assertThat(result.fromTrending).isZero();
    }

    /**
     * The blend adds trending items that no neighbour reached; one the user has already seen (30, the most trending)
     * must stay out, on the generic path and on the compact one serving uses.
     */
    @Test
    void shouldNotBlendInATrendingItemTheUserHasSeen() {
        ModelConfig config = config(0.5, 3);
        config.popularityBlend = 0.5;
        FixedModel model = new FixedModel()
                .item(1, 1, new long[] {10}, new double[] {0.2})
                .item(10, 1)
                .item(20, 1)
                .item(30, 1)
                .trending(new long[] {30, 20, 10}, new double[] {16, 8, 4});
        model.items.get(10L).trending = 4;
        model.items.get(20L).trending = 8;
        model.items.get(30L).trending = 16;
        CompactModel compact = new CompactModel(config);
        model.items.forEach((item, snapshot) -> compact.put(item, CompactModel.ALWAYS, snapshot, null));
        UserHistory history = history(new long[] {1}, new double[] {1});

        Recommendations generic = new Scorer(config).recommend(1, history, seen(1, 30), model, T);
        Recommendations fast = new Scorer(config)
                .recommend(1, history, seen(1, 30), compact.at(Long.MAX_VALUE, model.trending, model.version), T);

        for (Recommendations result : new Recommendations[] {generic, fast}) {
            assertThat(result.items).containsExactly(10L, 20L);
            // top = 16: 10 gets 0.2 + 0.5 * 4 / 16, 20 gets 0.5 * 8 / 16
            assertThat(result.scores).containsExactly(new double[] {0.325, 0.25}, within(1e-12));
        }
    }
}
