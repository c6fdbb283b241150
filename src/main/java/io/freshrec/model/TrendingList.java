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
        int n = items.length;
        int index = -1;
        for (int i = 0; i < n; i++) {
            if (items[i] == item) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            if (n < capacity) {
                items = Arrays.copyOf(items, n + 1);
                scores = Arrays.copyOf(scores, n + 1);
                index = n;
            } else if (n > 0 && ItemState.ranksBefore(item, value, items[n - 1], scores[n - 1])) {
                index = n - 1;
            } else {
                return;
            }
        }
        items[index] = item;
        scores[index] = value;
        // A snapshot states the item's current total, which may also be lower than before (decay).
        while (index > 0 && ItemState.ranksBefore(items[index], scores[index], items[index - 1], scores[index - 1])) {
            swap(index, index - 1);
            index--;
        }
        while (index < items.length - 1 && ItemState.ranksBefore(items[index + 1], scores[index + 1], items[index], scores[index])) {
            swap(index, index + 1);
            index++;
        }
    }

    private void swap(int a, int b) {
        long item = items[a];
        items[a] = items[b];
        items[b] = item;
        double score = scores[a];
        scores[a] = scores[b];
        scores[b] = score;
    }

    public TrendingList copy() {
        TrendingList copy = new TrendingList();
        copy.items = items.clone();
        copy.scores = scores.clone();
        copy.time = time;
        return copy;
    }
}
