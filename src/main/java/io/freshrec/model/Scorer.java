package io.freshrec.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Item-item scoring: score(c) = sum over the user's recent items j of interest(j) * sim(j, c),
 * sim(j, c) = C(j, c) / (N(j)^alpha * N(c)^(1 - alpha)), plus an optional popularity blend; seen
 * items excluded; trending items fill lists the neighbours cannot (cold start). Everything is
 * decayed to the user's time {@code now}. Shared by the serving operator and the Flink ML servable.
 */
public final class Scorer {
    private final ModelConfig config;

    public Scorer(ModelConfig config) {
        this.config = config;
    }

    public Recommendations recommend(long userId, UserHistory history, SeenItems seen, ModelView model, long now) {
        Map<Long, double[]> scores = new HashMap<>();
        double alpha = config.normExponent;
        for (int h = 0; h < history.size(); h++) {
            ItemSnapshot source = model.item(history.items[h]);
            if (source == null) {
                continue;
            }
            double sourceNorm = source.normAt(now, config);
            if (!(sourceNorm > 0)) {
                continue;
            }
            double interest = history.weightAt(h, now, config.historyHalfLifeMs);
            double sourceFactor = interest / Math.pow(sourceNorm, alpha);
            for (int n = 0; n < source.neighbours.length; n++) {
                long candidate = source.neighbours[n];
                if (seen.contains(candidate)) {
                    continue;
                }
                ItemSnapshot target = model.item(candidate);
                if (target == null) {
                    continue;
                }
                double targetNorm = target.normAt(now, config);
                if (!(targetNorm > 0)) {
                    continue;
                }
                double similarity = source.cooccurrenceAt(n, now, config) / Math.pow(targetNorm, 1 - alpha);
                scores.computeIfAbsent(candidate, k -> new double[1])[0] += sourceFactor * similarity;
            }
        }
        TrendingList trending = model.trending();
        if (config.popularityBlend > 0 && trending.items.length > 0) {
            double top = Decay.at(trending.scores[0], trending.time, now, config.trendingHalfLifeMs);
            if (top > 0) {
                for (Map.Entry<Long, double[]> entry : scores.entrySet()) {
                    ItemSnapshot item = model.item(entry.getKey());
                    entry.getValue()[0] += config.popularityBlend * item.trendingAt(now, config) / top;
                }
                for (int i = 0; i < trending.items.length; i++) {
                    long item = trending.items[i];
                    if (!seen.contains(item) && !scores.containsKey(item)) {
                        double value = Decay.at(trending.scores[i], trending.time, now, config.trendingHalfLifeMs);
                        scores.put(item, new double[] {config.popularityBlend * value / top});
                    }
                }
            }
        }

        List<Map.Entry<Long, double[]>> ranked = new ArrayList<>(scores.entrySet());
        ranked.sort((a, b) -> ItemState.ranksBefore(a.getKey(), a.getValue()[0], b.getKey(), b.getValue()[0]) ? -1
                : ItemState.ranksBefore(b.getKey(), b.getValue()[0], a.getKey(), a.getValue()[0]) ? 1 : 0);
        int n = Math.min(config.topN, ranked.size());
        Recommendations result = new Recommendations();
        result.userId = userId;
        result.items = new long[config.topN];
        result.scores = new double[config.topN];
        int size = 0;
        for (; size < n; size++) {
            result.items[size] = ranked.get(size).getKey();
            result.scores[size] = ranked.get(size).getValue()[0];
        }
        int filled = 0;
        for (int i = 0; i < trending.items.length && size < config.topN; i++) {
            long item = trending.items[i];
            if (!seen.contains(item) && !scores.containsKey(item)) {
                result.items[size] = item;
                result.scores[size] = 0.0;
                size++;
                filled++;
            }
        }
        result.items = java.util.Arrays.copyOf(result.items, size);
        result.scores = java.util.Arrays.copyOf(result.scores, size);
        result.fromTrending = filled;
        result.modelVersion = model.version();
        result.eventTime = now;
        return result;
    }
}
