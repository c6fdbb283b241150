package io.freshrec.model;

import java.util.Arrays;

/**
 * What the model knows about one item at a moment: its squared norm, trending popularity and its
 * neighbour candidates by decayed co-occurrence, all valued as of {@code time}. This is what the
 * item-model operator publishes, what serving holds in broadcast state, what a savepoint export
 * writes and what the Flink ML servable loads.
 */
public class ItemSnapshot {
    public long item;
    /** Event time at which every value below is stated. */
    public long time;
    /** Event time of the model version this snapshot belongs to: it reflects every interaction before it. */
    public long versionTime;
    /** Decayed sum of squared user interest (similarity half-life). */
    public double norm;
    /** Decayed interaction weight (trending half-life). */
    public double trending;
    /** Neighbour candidates, strongest co-occurrence first. */
    public long[] neighbours = new long[0];

    public double[] cooccurrence = new double[0];

    public ItemSnapshot() {}

    /** An expired item: serving drops it. (Not a property of the JSON model data.) */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isTombstone() {
        return norm == 0.0 && trending == 0.0 && neighbours.length == 0;
    }

    public double normAt(long at, ModelConfig config) {
        return Decay.at(norm, time, at, config.similarityHalfLifeMs);
    }

    /** {exponent, norm, norm^exponent}; not state, rebuilt on demand. */
    private transient double[] powerCache;

    /**
     * {@code normAt(at)^exponent}, with {@code norm^exponent} computed once per snapshot and norm (serving
     * scores thousands of candidates against the same snapshots; an in-memory model changes them in place).
     */
    public double normPowerAt(long at, double exponent, ModelConfig config) {
        double[] cache = powerCache;
        if (cache == null || cache[0] != exponent || cache[1] != norm) {
            cache = new double[] {exponent, norm, Math.pow(norm, exponent)};
            powerCache = cache;
        }
        return cache[2] * Decay.powerFactor(at - time, config.similarityHalfLifeMs, exponent);
    }

    public double trendingAt(long at, ModelConfig config) {
        return Decay.at(trending, time, at, config.trendingHalfLifeMs);
    }

    public double cooccurrenceAt(int index, long at, ModelConfig config) {
        return Decay.at(cooccurrence[index], time, at, config.similarityHalfLifeMs);
    }

    /** Null when consistent and sane, else the problem (used by the validation gate). */
    public String problem(int maxNeighbours) {
        if (!Double.isFinite(norm) || norm < 0) {
            return "norm " + norm + " is not a finite non-negative number";
        }
        if (!Double.isFinite(trending) || trending < 0) {
            return "trending " + trending + " is not a finite non-negative number";
        }
        if (neighbours == null || cooccurrence == null || neighbours.length != cooccurrence.length) {
            return "neighbour and co-occurrence arrays differ in length";
        }
        if (neighbours.length > maxNeighbours) {
            return neighbours.length + " neighbours exceed the limit " + maxNeighbours;
        }
        for (int i = 0; i < neighbours.length; i++) {
            if (neighbours[i] == item) {
                return "item lists itself as a neighbour";
            }
            if (!Double.isFinite(cooccurrence[i]) || cooccurrence[i] <= 0) {
                return "co-occurrence " + cooccurrence[i] + " is not finite and positive";
            }
            if (i > 0 && cooccurrence[i] > cooccurrence[i - 1]) {
                return "neighbours are not sorted by co-occurrence";
            }
        }
        long[] sorted = neighbours.clone(); // sorting a copy: no boxed set per snapshot (the gate checks every one)
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                return "duplicate neighbours";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "ItemSnapshot{item=" + item + ", time=" + time + ", norm=" + norm + ", trending=" + trending
                + ", neighbours=" + Arrays.toString(neighbours) + '}';
    }
}
