package io.freshrec.model;

import java.util.Arrays;

/** The items a user has interacted with most recently (at most a limit), excluded from recommendations. */
public class SeenItems {
    /** Distinct items by last interaction, oldest first. */
    public long[] items = new long[0];
    /** The same items in ascending order, for lookups (kept in state: sorting per event costs more). */
    public long[] sorted = new long[0];

    public SeenItems() {}

    public boolean contains(long item) {
        return Arrays.binarySearch(sorted, item) >= 0;
    }

    /**
     * Records an interaction with {@code item}: it becomes the newest entry, and the oldest beyond
     * {@code limit} are dropped. Returns false when the item was already present (it still moves).
     */
    public boolean add(long item, int limit) {
        if (sorted.length != items.length) {
            // Written by an older version without the sorted copy.
            sorted = items.clone();
            Arrays.sort(sorted);
        }
        if (contains(item)) {
            int at = indexOf(item);
            System.arraycopy(items, at + 1, items, at, items.length - at - 1);
            items[items.length - 1] = item;
            return false;
        }
        int drop = Math.max(0, items.length + 1 - limit);
        for (int i = 0; i < drop; i++) {
            sorted = Ranking.without(sorted, Arrays.binarySearch(sorted, items[i]));
        }
        long[] next = new long[items.length + 1 - drop];
        System.arraycopy(items, drop, next, 0, items.length - drop);
        next[next.length - 1] = item;
        items = next;
        int insertAt = -Arrays.binarySearch(sorted, item) - 1;
        long[] grown = new long[sorted.length + 1];
        System.arraycopy(sorted, 0, grown, 0, insertAt);
        grown[insertAt] = item;
        System.arraycopy(sorted, insertAt, grown, insertAt + 1, sorted.length - insertAt);
        sorted = grown;
        return true;
    }

    private int indexOf(long item) {
        for (int i = items.length - 1; i >= 0; i--) {
            if (items[i] == item) {
                return i;
            }
        }
        return -1;
    }

    public int size() {
        return items.length;
    }
}
