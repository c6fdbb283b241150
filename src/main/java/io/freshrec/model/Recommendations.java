package io.freshrec.model;

import java.util.Arrays;

/** A user's served top-N list: the value of queryable state {@code recommendations}. */
public class Recommendations {
    public long userId;
    public long[] items = new long[0];
    public double[] scores = new double[0];
    /** Version of the model the list was computed with (0: before the first version). */
    public long modelVersion;
    /** Event time at which the list was computed (the user's clock). */
    public long eventTime;
    /** Wall-clock time of the computation, epoch milliseconds. */
    public long updatedAt;
    /** Wall-clock time of the user's last interaction served (a periodic refresh keeps it). */
    public long activeAt;
    /** How many entries at the end came from trending items rather than neighbours (cold start). */
    public int fromTrending;

    public Recommendations() {}

    /** Whether {@code item} is among the first {@code k} entries. */
    public boolean containsInTop(long item, int k) {
        return rankInTop(item, k) >= 0;
    }

    /** The 0-based position of {@code item} among the first {@code k} entries, or -1 when it is not there. */
    public int rankInTop(long item, int k) {
        int n = Math.min(k, items.length);
        for (int i = 0; i < n; i++) {
            if (items[i] == item) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "Recommendations{user=" + userId + ", version=" + modelVersion + ", items=" + Arrays.toString(items)
                + '}';
    }
}
