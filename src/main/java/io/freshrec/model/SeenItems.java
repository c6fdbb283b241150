package io.freshrec.model;

import java.util.Arrays;

/** The items a user has interacted with (the newest {@code limit}), excluded from recommendations. */
public class SeenItems {
    /** Insertion order, oldest first, distinct. */
    public long[] items = new long[0];

    private transient long[] sorted;

    public SeenItems() {}

    public boolean contains(long item) {
        if (sorted == null) {
            sorted = items.clone();
            Arrays.sort(sorted);
        }
        return Arrays.binarySearch(sorted, item) >= 0;
    }

    /** Adds {@code item}, dropping the oldest beyond {@code limit}; returns false when already present. */
    public boolean add(long item, int limit) {
        if (contains(item)) {
            return false;
        }
        int drop = Math.max(0, items.length + 1 - limit);
        long[] next = new long[items.length + 1 - drop];
        System.arraycopy(items, drop, next, 0, items.length - drop);
        next[next.length - 1] = item;
        items = next;
        sorted = null;
        return true;
    }

    public int size() {
        return items.length;
    }
}
