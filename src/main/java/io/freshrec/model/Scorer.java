package io.freshrec.model;

import java.util.Arrays;

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

    /** Reused between calls on one thread (each operator instance owns its scorer). */
    private final LongDoubleMap scores = new LongDoubleMap();
    /**
     * Per call: each candidate's normalisation {@code N(c)^(1 - alpha)} at {@code now}, or 0 when it is
     * not scored (seen, unknown, no norm). Neighbour lists of a user's items overlap, and the lookup
     * (seen check, model lookup, decay) costs more than the sum it feeds.
     */
    private final LongDoubleMap targetScales = new LongDoubleMap();

    public Recommendations recommend(long userId, UserHistory history, SeenItems seen, ModelView model, long now) {
        scores.clear();
        targetScales.clear();
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
            // Every value of one snapshot decays by the same factor: apply it once.
            double sourceFactor = interest
                    * Decay.factor(now - source.time, config.similarityHalfLifeMs)
                    / Math.pow(sourceNorm, alpha);
            for (int n = 0; n < source.neighbours.length; n++) {
                long candidate = source.neighbours[n];
                int known = targetScales.slotOf(candidate);
                double targetScale;
                if (known >= 0) {
                    targetScale = targetScales.valueAt(known);
                } else {
                    targetScale = targetScale(candidate, seen, model, now, 1 - alpha);
                    targetScales.add(candidate, targetScale);
                }
                if (!(targetScale > 0)) {
                    continue;
                }
                scores.add(candidate, sourceFactor * source.cooccurrence[n] / targetScale);
            }
        }
        TrendingList trending = model.trending();
        if (config.popularityBlend > 0 && trending.items.length > 0) {
            double top = Decay.at(trending.scores[0], trending.time, now, config.trendingHalfLifeMs);
            if (top > 0) {
                for (int slot = 0; slot < scores.capacity(); slot++) {
                    long item = scores.keyAt(slot);
                    if (item != Long.MIN_VALUE) {
                        scores.addAt(
                                slot, config.popularityBlend * model.item(item).trendingAt(now, config) / top);
                    }
                }
                for (int i = 0; i < trending.items.length; i++) {
                    long item = trending.items[i];
                    if (!seen.contains(item) && !scores.containsKey(item)) {
                        double value = Decay.at(trending.scores[i], trending.time, now, config.trendingHalfLifeMs);
                        scores.add(item, config.popularityBlend * value / top);
                    }
                }
            }
        }

        // Top-N by a bounded selection: keep the best N seen so far, sorted, weakest last.
        int topN = config.topN;
        long[] items = new long[topN];
        double[] values = new double[topN];
        int size = 0;
        for (int slot = 0; slot < scores.capacity(); slot++) {
            long item = scores.keyAt(slot);
            if (item == Long.MIN_VALUE) {
                continue;
            }
            double value = scores.valueAt(slot);
            if (size == topN && !ItemState.ranksBefore(item, value, items[size - 1], values[size - 1])) {
                continue;
            }
            int at = size < topN ? size++ : size - 1;
            while (at > 0 && ItemState.ranksBefore(item, value, items[at - 1], values[at - 1])) {
                items[at] = items[at - 1];
                values[at] = values[at - 1];
                at--;
            }
            items[at] = item;
            values[at] = value;
        }
        int filled = 0;
        for (int i = 0; i < trending.items.length && size < topN; i++) {
            long item = trending.items[i];
            if (!seen.contains(item) && !scores.containsKey(item)) {
                items[size] = item;
                values[size] = 0.0;
                size++;
                filled++;
            }
        }
        Recommendations result = new Recommendations();
        result.userId = userId;
        result.items = size == topN ? items : Arrays.copyOf(items, size);
        result.scores = size == topN ? values : Arrays.copyOf(values, size);
        result.fromTrending = filled;
        result.modelVersion = model.version();
        result.eventTime = now;
        return result;
    }

    /** {@code N(c)^exponent} at {@code now}, or 0 when {@code candidate} is not to be scored. */
    private double targetScale(long candidate, SeenItems seen, ModelView model, long now, double exponent) {
        if (seen.contains(candidate)) {
            return 0.0;
        }
        ItemSnapshot target = model.item(candidate);
        if (target == null) {
            return 0.0;
        }
        double scale = target.normPowerAt(now, exponent, config);
        return scale > 0 ? scale : 0.0;
    }
}
