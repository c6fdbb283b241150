package io.freshrec.evaluation;

import io.freshrec.events.Interaction;
import io.freshrec.model.BlendWeights;
import io.freshrec.model.Decay;
import io.freshrec.model.InMemoryModel;
import io.freshrec.model.ItemState;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.Recommendations;
import io.freshrec.model.Scorer;
import io.freshrec.model.SequenceSignal;
import io.freshrec.model.TrendingList;
import io.freshrec.model.UserHistory;
import it.unimi.dsi.fastutil.longs.Long2DoubleMap;
import it.unimi.dsi.fastutil.longs.Long2DoubleOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The ensemble's candidate components and blends, measured prequentially in one thread on one replay, with the model
 * math the job uses ({@link InMemoryModel}, {@link Scorer}): so that each component is judged on the same events
 * before it earns a place in the job. The protocol is {@link Prequential}'s; as in the job, an interaction reaches
 * the user's history at once and the items (co-occurrence, transitions, trending) only once event time has moved past
 * it (the job's model at an event holds the interactions before that event's time).
 *
 * <p>Components, each proposing its best {@link #CANDIDATES} unseen items with scores:
 *
 * <ul>
 *   <li><b>short-term</b>: today's model (co-occurrence over the recent history, the configured half-lives);
 *   <li><b>long-term</b>: the same item similarities read from a longer, slowly decaying history ({@link
 *       #LONG_HISTORY_LENGTH} items, half-life {@link #LONG_HISTORY_HALF_LIFE}): no pair updates of its own;
 *   <li><b>sequence</b>: transitions from the user's last items to the next ({@link SequenceSignal});
 *   <li><b>trending</b>: the decayed popularity list.
 * </ul>
 *
 * <p>Blends: equal weights, and weights learnt online ({@link BlendWeights}), each over the components' scores
 * divided by each component's best score in its list.
 */
public final class EnsembleReplay {
    /** Candidates each component proposes per scored interaction. */
    public static final int CANDIDATES = 100;

    public static final int LONG_HISTORY_LENGTH = 20;
    public static final Duration LONG_HISTORY_HALF_LIFE = Duration.ofDays(365);

    public static final String[] COMPONENTS = {"short-term", "long-term", "sequence", "trending"};

    private final ModelConfig config;
    private final ModelConfig longConfig;
    private final double rate;

    public EnsembleReplay(ModelConfig config, double rate) {
        this.config = config.copy();
        this.config.topN = CANDIDATES;
        this.config.trendingSize = Math.max(CANDIDATES, config.trendingSize);
        this.longConfig = this.config.copy();
        longConfig.historyLength = LONG_HISTORY_LENGTH;
        longConfig.historyHalfLifeMs = LONG_HISTORY_HALF_LIFE.toMillis();
        this.rate = rate;
    }

    /** What one replay gave: a row per component, then the equal and the learnt blend; the learnt weights. */
    public static final class Result {
        public final List<Prequential.Figures> rows = new ArrayList<>();
        public BlendWeights learnt;
    }

    public Result evaluate(ReplayedEvents replay, LongConsumer progress) {
        long started = System.nanoTime();
        int components = COMPONENTS.length;
        InMemoryModel model = new InMemoryModel(config);
        Scorer shortScorer = new Scorer(config);
        Scorer longScorer = new Scorer(longConfig);
        SequenceSignal sequence = new SequenceSignal(SequenceSignal.DEFAULT_STEPS, config.similarityHalfLifeMs);
        Map<Long, UserHistory> longHistories = new HashMap<>();
        Map<Long, LongOpenHashSet> seen = new HashMap<>();
        List<Runnable> sequencePending = new ArrayList<>();
        long pendingTime = Long.MIN_VALUE;
        boolean pending = false;

        Prequential.Figures[] figures = new Prequential.Figures[components + 2];
        LongOpenHashSet[] covered = new LongOpenHashSet[figures.length];
        for (int k = 0; k < components; k++) {
            figures[k] = new Prequential.Figures("component: " + COMPONENTS[k] + " (in memory)");
        }
        figures[components] = new Prequential.Figures("blend: equal weights (in memory)");
        figures[components + 1] = new Prequential.Figures("blend: learnt online (in memory)");
        for (int r = 0; r < figures.length; r++) {
            covered[r] = new LongOpenHashSet();
        }
        BlendWeights equal = BlendWeights.equal(components);
        BlendWeights learnt = BlendWeights.equal(components);
        Long2DoubleOpenHashMap[] lists = new Long2DoubleOpenHashMap[components];
        for (int k = 0; k < components; k++) {
            lists[k] = new Long2DoubleOpenHashMap();
        }
        Long2IntOpenHashMap rows = new Long2IntOpenHashMap();
        rows.defaultReturnValue(-1);
        double[][] features = new double[0][];
        long[] candidates = new long[0];

        List<Interaction> events = replay.events;
        for (int n = 0; n < events.size(); n++) {
            Interaction event = events.get(n);
            if (pending && pendingTime < event.timestamp) {
                model.catchUp();
                sequencePending.forEach(Runnable::run);
                sequencePending.clear();
                pending = false;
            }
            LongOpenHashSet userSeen = seen.get(event.userId);
            if (userSeen == null) {
                userSeen = new LongOpenHashSet();
                seen.put(event.userId, userSeen);
            } else if (userSeen.contains(event.itemId)) {
                for (Prequential.Figures f : figures) {
                    f.repeats++;
                }
            } else {
                long now = event.timestamp;
                LongOpenHashSet skip = userSeen;
                propose(shortScorer, event.userId, model.history(event.userId), model, now, skip, lists[0]);
                propose(
                        longScorer,
                        event.userId,
                        longHistories.getOrDefault(event.userId, NO_HISTORY),
                        model,
                        now,
                        skip,
                        lists[1]);
                lists[2].clear();
                sequence.score(model.history(event.userId).items, now, skip::contains, lists[2]);
                keepBest(lists[2], CANDIDATES);
                trending(model.trending(), now, config.trendingHalfLifeMs, skip, lists[3]);

                rows.clear();
                int size = 0;
                for (int k = 0; k < components; k++) {
                    record(figures[k], covered[k], lists[k], event.itemId);
                    for (long item : lists[k].keySet()) {
                        if (rows.putIfAbsent(item, size) == -1) {
                            size++;
                        }
                    }
                }
                if (features.length < size) {
                    features = new double[Math.max(size, features.length * 2)][components];
                    candidates = new long[features.length];
                }
                for (int c = 0; c < size; c++) {
                    Arrays.fill(features[c], 0.0);
                }
                for (int k = 0; k < components; k++) {
                    double best = 0;
                    for (double value : lists[k].values()) {
                        best = Math.max(best, value);
                    }
                    for (Long2DoubleMap.Entry entry : lists[k].long2DoubleEntrySet()) {
                        int row = rows.get(entry.getLongKey());
                        candidates[row] = entry.getLongKey();
                        features[row][k] = entry.getDoubleValue() / best;
                    }
                }
                record(
                        figures[components],
                        covered[components],
                        blend(equal, features, candidates, size),
                        event.itemId);
                record(
                        figures[components + 1],
                        covered[components + 1],
                        blend(learnt, features, candidates, size),
                        event.itemId);
                int taken = rows.get(event.itemId);
                if (taken >= 0) {
                    learnt.learn(features, size, taken, rate);
                }
            }
            userSeen.add(event.itemId);
            long[] recent = model.history(event.userId).items.clone();
            model.defer(event);
            sequencePending.add(() -> sequence.learn(recent, event.itemId, event.timestamp));
            longHistories
                    .computeIfAbsent(event.userId, u -> new UserHistory())
                    .apply(event.itemId, longConfig.weights.weightOf(event), event.timestamp, longConfig, NO_UPDATES);
            pending = true;
            pendingTime = event.timestamp;
            if ((n + 1) % Prequential.PROGRESS_EVERY == 0) {
                progress.accept(n + 1);
            }
        }
        Result result = new Result();
        double seconds = (System.nanoTime() - started) / 1e9;
        for (int r = 0; r < figures.length; r++) {
            figures[r].covered = covered[r].size();
            figures[r].catalogue = replay.catalogue;
            figures[r].seconds = seconds;
            result.rows.add(figures[r]);
        }
        result.learnt = learnt;
        return result;
    }

    /** The long-term history of a user never seen (read only). */
    private static final UserHistory NO_HISTORY = new UserHistory();

    private static final UserHistory.UpdateSink NO_UPDATES = new UserHistory.UpdateSink() {
        @Override
        public void pair(long item, long other, double amount, long time) {}

        @Override
        public void item(long item, double weight, double normIncrement, long time) {}
    };

    /** A scorer's list for the history, trending fill-ins (score 0) and seen items left out. */
    private static void propose(
            Scorer scorer,
            long user,
            UserHistory history,
            InMemoryModel model,
            long now,
            LongOpenHashSet skip,
            Long2DoubleOpenHashMap into) {
        into.clear();
        Recommendations list = scorer.recommend(user, history, model.seenBy(user), model.view(), now);
        for (int i = 0; i < list.items.length; i++) {
            if (list.scores[i] > 0 && !skip.contains(list.items[i])) {
                into.put(list.items[i], list.scores[i]);
            }
        }
    }

    private static void trending(
            TrendingList trending, long now, long halfLifeMs, LongOpenHashSet skip, Long2DoubleOpenHashMap into) {
        into.clear();
        for (int i = 0; i < trending.items.length && into.size() < CANDIDATES; i++) {
            double value = Decay.at(trending.scores[i], trending.time, now, halfLifeMs);
            if (value > 0 && !skip.contains(trending.items[i])) {
                into.put(trending.items[i], value);
            }
        }
    }

    /** Keeps the {@code n} best entries. */
    private static void keepBest(Long2DoubleOpenHashMap scores, int n) {
        if (scores.size() <= n) {
            return;
        }
        long[] ranked = ranked(scores);
        for (int i = n; i < ranked.length; i++) {
            scores.remove(ranked[i]);
        }
    }

    private static Long2DoubleOpenHashMap blend(BlendWeights weights, double[][] features, long[] items, int size) {
        Long2DoubleOpenHashMap scores = new Long2DoubleOpenHashMap(size);
        for (int c = 0; c < size; c++) {
            scores.put(items[c], weights.score(features[c]));
        }
        return scores;
    }

    /** Scores the list's top 10 (best first; equal scores: smaller id first) against the item taken. */
    private static void record(
            Prequential.Figures figures, LongOpenHashSet covered, Long2DoubleOpenHashMap list, long taken) {
        long[] ranked = ranked(list);
        int rank = -1;
        for (int r = 0; r < Math.min(Prequential.K, ranked.length); r++) {
            covered.add(ranked[r]);
            if (ranked[r] == taken) {
                rank = r;
            }
        }
        figures.record(rank);
    }

    /** The list's items, best first (equal scores: smaller id first, as served lists). */
    private static long[] ranked(Long2DoubleOpenHashMap list) {
        long[] items = list.keySet().toLongArray();
        double[] values = new double[items.length];
        Integer[] order = new Integer[items.length];
        for (int i = 0; i < items.length; i++) {
            values[i] = list.get(items[i]);
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) -> ItemState.ranksBefore(items[a], values[a], items[b], values[b])
                        ? -1
                        : ItemState.ranksBefore(items[b], values[b], items[a], values[a]) ? 1 : 0);
        long[] ranked = new long[items.length];
        for (int i = 0; i < ranked.length; i++) {
            ranked[i] = items[order[i]];
        }
        return ranked;
    }
}
