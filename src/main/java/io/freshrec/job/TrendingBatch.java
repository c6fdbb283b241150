package io.freshrec.job;

import java.util.Arrays;

/** The trending contributions of one model version, waiting in the gate for the version's commit. */
public class TrendingBatch {
    public long[] items = new long[0];
    public double[] trending = new double[0];
    public long[] times = new long[0];
    public boolean[] tombstones = new boolean[0];

    /** Entries in use while the batch is being built (not state: {@link #trimmed} cuts the arrays to it). */
    private transient int size = -1;

    public TrendingBatch() {}

    /** Appends an entry; the arrays grow by doubling, so call {@link #trimmed} before storing or reading them. */
    public void add(long item, double value, long time, boolean tombstone) {
        if (size < 0) {
            size = items.length;
        }
        if (size == items.length) {
            int capacity = Math.max(16, size * 2);
            items = Arrays.copyOf(items, capacity);
            trending = Arrays.copyOf(trending, capacity);
            times = Arrays.copyOf(times, capacity);
            tombstones = Arrays.copyOf(tombstones, capacity);
        }
        items[size] = item;
        trending[size] = value;
        times[size] = time;
        tombstones[size] = tombstone;
        size++;
    }

    /** This batch, its arrays cut to the entries added. */
    public TrendingBatch trimmed() {
        if (size >= 0 && size != items.length) {
            items = Arrays.copyOf(items, size);
            trending = Arrays.copyOf(trending, size);
            times = Arrays.copyOf(times, size);
            tombstones = Arrays.copyOf(tombstones, size);
        }
        return this;
    }
}
