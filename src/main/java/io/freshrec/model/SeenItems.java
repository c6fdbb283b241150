package io.freshrec.model;

import java.util.Arrays;

/** The items a user has interacted with most recently (at most a limit), excluded from recommendations. */
public class SeenItems {
    /** Distinct items by last interaction, oldest first. */
    public long[] items = new long[0];
    /**
     * The same items in ascending order, for lookups. Not part of the state (transient: the POJO serializer leaves it
     * out, halving the bytes written per interaction); rebuilt on the first lookup after a read from state, which
     * serving's heap copy of active users makes rare. (Earlier versions stored it as the field {@code sorted}: a
     * field of another name, so that Flink's POJO serializer sees that one as removed when it restores their state.)
     */
    private transient long[] ascending = new long[0];

    public SeenItems() {}

    public boolean contains(long item) {
        return Arrays.binarySearch(ascending(), item) >= 0;
    }

    private long[] ascending() {
        if (ascending == null || ascending.length != items.length) {
            // Read from state (or written by a version that kept no ascending copy).
            ascending = items.clone();
            Arrays.sort(ascending);
        }
        return ascending;
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
        for (int i = 0; i < drop; i++) {
            ascending = Ranking.without(ascending, Arrays.binarySearch(ascending, items[i]));
        }
        long[] next = new long[items.length + 1 - drop];
        System.arraycopy(items, drop, next, 0, items.length - drop);
        next[next.length - 1] = item;
        items = next;
        int insertAt = -Arrays.binarySearch(ascending, item) - 1;
        long[] grown = new long[ascending.length + 1];
        System.arraycopy(ascending, 0, grown, 0, insertAt);
        grown[insertAt] = item;
        System.arraycopy(ascending, insertAt, grown, insertAt + 1, ascending.length - insertAt);
        ascending = grown;
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
