package io.freshrec.model;

import it.unimi.dsi.fastutil.ints.IntArrays;
import java.util.Arrays;

/**
 * Keeps an item's co-occurrence map bounded. When it holds more than {@code max} entries, the entries that are not
 * among the item's neighbours are dropped: every one whose value has decayed below a threshold, and then the weakest
 * (smaller value; on equal values the larger id) until three quarters of {@code max} remain. Pruning to three quarters
 * makes it rare: a map pruned once grows by a quarter of the bound before it is pruned again, so each new pair pays a
 * constant share of the sweeps.
 *
 * <p>Neighbours are the top of the same order, so they are never dropped while {@code max} is at least twice their
 * number. A dropped pair that co-occurs again starts from zero: it loses at most the value it had, which was among the
 * weakest quarter's of this item.
 */
public final class CooccurrencePruning {
    private CooccurrencePruning() {}

    /** Entries kept by a pruning of a map bounded by {@code max}. */
    public static int keep(int max) {
        return max - max / 4;
    }

    /** Whether a map of {@code entries} entries bounded by {@code max} (0: unbounded) is due for pruning. */
    public static boolean due(int entries, int max) {
        return max > 0 && entries > max;
    }

    /**
     * The entries to drop from an item's map.
     *
     * @param items the map's keys
     * @param values their values, all stated at one time (decay keeps their order)
     * @param neighbours the item's neighbour candidates: never dropped
     * @param max the bound ({@link #keep} remain at most, neighbours aside)
     * @param below entries under this value are dropped whatever the count
     * @return indexes into {@code items}, weakest first
     */
    public static int[] select(long[] items, double[] values, long[] neighbours, int max, double below) {
        int n = items.length;
        int[] order = new int[n];
        int candidates = 0;
        for (int i = 0; i < n; i++) {
            if (!contains(neighbours, items[i])) {
                order[candidates++] = i;
            }
        }
        order = Arrays.copyOf(order, candidates);
        // Weakest first: smaller value, then larger id (the reverse of Ranking's order).
        IntArrays.quickSort(order, (a, b) -> {
            int byValue = Double.compare(strength(values[a]), strength(values[b]));
            return byValue != 0 ? byValue : Long.compare(items[b], items[a]);
        });
        int drop = Math.max(0, n - keep(max));
        while (drop < candidates && weak(values[order[drop]], below)) {
            drop++;
        }
        return Arrays.copyOf(order, Math.min(drop, candidates));
    }

    /** Under the threshold, or nothing in common (zero, or a value no healthy map holds). */
    private static boolean weak(double value, double below) {
        return !(value > 0) || value < below;
    }

    /** NaN and negative values (never in a healthy map) count as nothing in common: the first to go. */
    private static double strength(double value) {
        return value > 0 ? value : 0.0;
    }

    private static boolean contains(long[] ids, long id) {
        for (long x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }
}
