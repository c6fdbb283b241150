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

    /**
     * Records an interaction with {@code item}: it becomes the newest entry, and the oldest beyond
     * {@code limit} are dropped. Returns false when the item was already present (it still moves).
     */
    public boolean add(long item, int limit) {
        if (contains(item)) {
            int at = indexOf(item);
            System.arraycopy(items, at + 1, items, at, items.length - at - 1);
            items[items.length - 1] = item;
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
