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

    /** Per call, for the compact path: see {@link #recommend(long, UserHistory, SeenItems, CompactModel.View, long)}. */
    private final SlotScratch scratch = new SlotScratch();

    private final Selection selection = new Selection();

    public Recommendations recommend(long userId, UserHistory history, SeenItems seen, ModelView model, long now) {
        if (model instanceof CompactModel.View compact) {
            return recommend(userId, history, seen, compact, now);
        }
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

        selection.reset(config.topN);
        for (int slot = 0; slot < scores.capacity(); slot++) {
            long item = scores.keyAt(slot);
            if (item != Long.MIN_VALUE) {
                selection.offer(item, scores.valueAt(slot));
            }
        }
        for (int i = 0; i < trending.items.length && !selection.isFull(); i++) {
            long item = trending.items[i];
            if (!seen.contains(item) && !scores.containsKey(item)) {
                selection.fill(item);
            }
        }
        return selection.result(userId, model.version(), now);
    }

    /**
     * The same scores as the generic path, read from dense slots: a candidate is one primitive hash lookup, its
     * normalisation is computed once per call and its score accumulates in an array indexed by slot. Sums are taken in
     * the same order as the generic path's, so the lists are identical to the last bit.
     */
    Recommendations recommend(long userId, UserHistory history, SeenItems seen, CompactModel.View view, long now) {
        CompactModel model = view.model;
        long at = view.at;
        SlotScratch s = scratch.begin(model.slotBound());
        double alpha = config.normExponent;
        for (int h = 0; h < history.size(); h++) {
            int sourceSlot = model.slot(history.items[h]);
            ItemSnapshot source = sourceSlot < 0 ? null : model.snapshotAt(sourceSlot, at);
            if (source == null) {
                continue;
            }
            double sourceNorm = source.normAt(now, config);
            if (!(sourceNorm > 0)) {
                continue;
            }
            double interest = history.weightAt(h, now, config.historyHalfLifeMs);
            double sourceFactor = interest
                    * Decay.factor(now - source.time, config.similarityHalfLifeMs)
                    / Math.pow(sourceNorm, alpha);
            long[] neighbours = source.neighbours;
            double[] cooccurrence = source.cooccurrence;
            for (int n = 0; n < neighbours.length; n++) {
                int slot = model.slot(neighbours[n]);
                if (slot < 0) {
                    continue;
                }
                double targetScale;
                if (s.stamp[slot] == s.generation) {
                    targetScale = s.scale[slot];
                } else {
                    // Seen items are scored too and left out when the list is selected: most candidates never
                    // come near the top N, so most seen checks are saved.
                    targetScale = model.targetScale(slot, at, now);
                    s.touch(slot, targetScale);
                }
                if (targetScale > 0) {
                    s.score[slot] += sourceFactor * cooccurrence[n] / targetScale;
                }
            }
        }
        TrendingList trending = view.trending();
        boolean blended = false;
        double top = 0;
        if (config.popularityBlend > 0 && trending.items.length > 0) {
            top = Decay.at(trending.scores[0], trending.time, now, config.trendingHalfLifeMs);
            if (top > 0) {
                blended = true;
                for (int i = 0; i < s.scored; i++) {
                    int slot = s.scoredSlots[i];
                    s.score[slot] +=
                            config.popularityBlend * model.snapshotAt(slot, at).trendingAt(now, config) / top;
                }
            }
        }
        selection.reset(config.topN);
        for (int i = 0; i < s.scored; i++) {
            int slot = s.scoredSlots[i];
            long item = model.itemAt(slot);
            if (selection.wouldTake(item, s.score[slot]) && !seen.contains(item)) {
                selection.offer(item, s.score[slot]);
            }
        }
        for (int i = 0; i < trending.items.length; i++) {
            long item = trending.items[i];
            if (seen.contains(item) || s.isScored(model.slot(item))) {
                continue; // seen, or a candidate already (a seen candidate is not one: left out above)
            }
            if (blended) {
                // Every trending item not seen is a candidate; the list is filled from these scores.
                double value = Decay.at(trending.scores[i], trending.time, now, config.trendingHalfLifeMs);
                selection.offer(item, config.popularityBlend * value / top);
            } else if (!selection.isFull()) {
                selection.fill(item);
            }
        }
        return selection.result(userId, view.version(), now);
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

    /** Top-N by a bounded selection: the best N offered so far, sorted, weakest last; then trending fill-ins. */
    private static final class Selection {
        private long[] items = new long[0];
        private double[] values = new double[0];
        private int size;
        private int filled;
        private int topN;

        void reset(int topN) {
            this.topN = topN;
            if (items.length != topN) {
                items = new long[topN];
                values = new double[topN];
            }
            size = 0;
            filled = 0;
        }

        /** Whether {@code offer(item, value)} would enter the list now. */
        boolean wouldTake(long item, double value) {
            return size < topN || ItemState.ranksBefore(item, value, items[size - 1], values[size - 1]);
        }

        void offer(long item, double value) {
            if (!wouldTake(item, value)) {
                return;
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

        boolean isFull() {
            return size >= topN;
        }

        /** Appends a trending item with score 0 (cold start: the neighbours gave fewer than N). */
        void fill(long item) {
            items[size] = item;
            values[size] = 0.0;
            size++;
            filled++;
        }

        Recommendations result(long userId, long version, long now) {
            Recommendations result = new Recommendations();
            result.userId = userId;
            result.items = Arrays.copyOf(items, size);
            result.scores = Arrays.copyOf(values, size);
            result.fromTrending = filled;
            result.modelVersion = version;
            result.eventTime = now;
            return result;
        }
    }

    /**
     * Per-call state of the compact path, indexed by slot and valid where {@code stamp[slot] == generation}, so a
     * call clears nothing: each candidate's normalisation (0: not scored), its score, and the slots scored.
     */
    private static final class SlotScratch {
        int[] stamp = new int[0];
        double[] scale = new double[0];
        double[] score = new double[0];
        int[] scoredSlots = new int[0];
        int scored;
        int generation;

        SlotScratch begin(int slots) {
            if (stamp.length < slots) {
                int capacity = Math.max(slots, stamp.length * 2);
                stamp = Arrays.copyOf(stamp, capacity);
                scale = Arrays.copyOf(scale, capacity);
                score = Arrays.copyOf(score, capacity);
                scoredSlots = Arrays.copyOf(scoredSlots, capacity);
            }
            if (++generation == Integer.MAX_VALUE) {
                Arrays.fill(stamp, 0);
                generation = 1;
            }
            scored = 0;
            return this;
        }

        void touch(int slot, double targetScale) {
            stamp[slot] = generation;
            scale[slot] = targetScale;
            score[slot] = 0.0;
            if (targetScale > 0) {
                scoredSlots[scored++] = slot;
            }
        }

        boolean isScored(int slot) {
            return slot >= 0 && slot < stamp.length && stamp[slot] == generation && scale[slot] > 0;
        }
    }
}
