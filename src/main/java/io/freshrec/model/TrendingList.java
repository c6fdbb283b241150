package io.freshrec.model;

import java.util.Arrays;

/**
 * The most popular items by decayed interaction weight, strongest first, valued as of {@code time}.
 * Kept exactly like neighbour candidates: uniform decay, values only grow on update.
 */
public class TrendingList {
    public long[] items = new long[0];
    public double[] scores = new double[0];
    public long time;

    public TrendingList() {}

    /** Offers {@code item} with its trending {@code value} stated at {@code at}. */
    public void offer(long item, double value, long at, int capacity, long halfLifeMs) {
        if (at > time) {
            double factor = Decay.factor(at - time, halfLifeMs);
            for (int i = 0; i < scores.length; i++) {
                scores[i] *= factor;
            }
            time = at;
        } else {
            value = Decay.at(value, at, time, halfLifeMs);
        }
        int index = Ranking.slot(items, scores, item, value, capacity);
        if (index < 0) {
            return;
        }
        if (index == items.length) {
            items = Arrays.copyOf(items, index + 1);
            scores = Arrays.copyOf(scores, index + 1);
        }
        items[index] = item;
        scores[index] = value;
        // A snapshot states the item's current total, which may also be lower than before (decay).
        Ranking.settle(items, scores, index);
    }

    /** Drops {@code item} (an expired item), if listed. */
    public void remove(long item) {
        for (int i = 0; i < items.length; i++) {
            if (items[i] == item) {
                items = Ranking.without(items, i);
                scores = Ranking.without(scores, i);
                return;
            }
        }
    }

    public TrendingList copy() {
        TrendingList copy = new TrendingList();
        copy.items = items.clone();
        copy.scores = scores.clone();
        copy.time = time;
        return copy;
    }
}
