package io.freshrec.job;

import java.util.Arrays;

/** The trending contributions of one model version, waiting in the gate for the version's commit. */
public class TrendingBatch {
    public long[] items = new long[0];
    public double[] trending = new double[0];
    public long[] times = new long[0];
    public boolean[] tombstones = new boolean[0];

    public TrendingBatch() {}

    public void add(long item, double value, long time, boolean tombstone) {
        int n = items.length;
        items = Arrays.copyOf(items, n + 1);
        trending = Arrays.copyOf(trending, n + 1);
        times = Arrays.copyOf(times, n + 1);
        tombstones = Arrays.copyOf(tombstones, n + 1);
        items[n] = item;
        trending[n] = value;
        times[n] = time;
        tombstones[n] = tombstone;
    }
}
