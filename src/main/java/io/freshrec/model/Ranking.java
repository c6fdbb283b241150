package io.freshrec.model;

/**
 * Bounded lists of items ranked by value, kept in parallel arrays (strongest first, ties: smaller
 * id first): the neighbour candidates of an item and the trending list share this.
 */
final class Ranking {
    private Ranking() {}

    /** Stronger first; equal strength: smaller id first (deterministic). */
    static boolean ranksBefore(long item, double value, long otherItem, double otherValue) {
        return value > otherValue || (value == otherValue && item < otherItem);
    }

    /**
     * Where an offer of {@code item} with {@code value} goes: its current index, {@code
     * items.length} when the list must grow, the last index when it displaces the weakest, or -1
     * when it does not make the list.
     */
    static int slot(long[] items, double[] values, long item, double value, int capacity) {
        int n = items.length;
        for (int i = 0; i < n; i++) {
            if (items[i] == item) {
                return i;
            }
        }
        if (n < capacity) {
            return n;
        }
        return n > 0 && ranksBefore(item, value, items[n - 1], values[n - 1]) ? n - 1 : -1;
    }

    /** Moves the entry at {@code at}, just written, to its rank (it may have risen or fallen). */
    static void settle(long[] items, double[] values, int at) {
        while (at > 0 && ranksBefore(items[at], values[at], items[at - 1], values[at - 1])) {
            swap(items, values, at, at - 1);
            at--;
        }
        while (at < items.length - 1 && ranksBefore(items[at + 1], values[at + 1], items[at], values[at])) {
            swap(items, values, at, at + 1);
            at++;
        }
    }

    private static void swap(long[] items, double[] values, int a, int b) {
        long item = items[a];
        items[a] = items[b];
        items[b] = item;
        double value = values[a];
        values[a] = values[b];
        values[b] = value;
    }

    static long[] without(long[] array, int index) {
        long[] copy = new long[array.length - 1];
        System.arraycopy(array, 0, copy, 0, index);
        System.arraycopy(array, index + 1, copy, index, array.length - index - 1);
        return copy;
    }

    static double[] without(double[] array, int index) {
        double[] copy = new double[array.length - 1];
        System.arraycopy(array, 0, copy, 0, index);
        System.arraycopy(array, index + 1, copy, index, array.length - index - 1);
        return copy;
    }
}
