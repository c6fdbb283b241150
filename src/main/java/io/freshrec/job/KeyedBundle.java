package io.freshrec.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The in-memory bundle of a keyed operator: per key, the records received since the key was last applied, each with
 * the event time at which it is due (the watermark must reach it). Plain Java, one task thread; the operator bounds
 * its size and moves it to keyed state before every checkpoint barrier.
 */
final class KeyedBundle<T> {
    /** One key's records and their due times, in arrival order. */
    static final class Entries<T> {
        private final ArrayList<T> records = new ArrayList<>(4);
        private long[] due = new long[4];
        private long earliest = Long.MAX_VALUE;

        private void add(T record, long dueTime) {
            if (records.size() == due.length) {
                due = Arrays.copyOf(due, due.length * 2);
            }
            due[records.size()] = dueTime;
            records.add(record);
            earliest = Math.min(earliest, dueTime);
        }

        int size() {
            return records.size();
        }

        T record(int i) {
            return records.get(i);
        }

        long due(int i) {
            return due[i];
        }

        /** Hands the records due at or before {@code watermark} to {@code out}; returns how many it handed over. */
        private int takeDue(long watermark, DueRecords<T> out) {
            if (earliest > watermark) {
                return 0;
            }
            int kept = 0;
            long newEarliest = Long.MAX_VALUE;
            int n = records.size();
            for (int i = 0; i < n; i++) {
                T record = records.get(i);
                if (due[i] <= watermark) {
                    out.take(record, due[i]);
                } else {
                    records.set(kept, record);
                    due[kept++] = due[i];
                    newEarliest = Math.min(newEarliest, due[i]);
                }
            }
            records.subList(kept, n).clear();
            earliest = newEarliest;
            return n - kept;
        }
    }

    private HashMap<Long, Entries<T>> byKey = new HashMap<>();
    private int size;

    void add(long key, T record, long dueTime) {
        byKey.computeIfAbsent(key, k -> new Entries<>()).add(record, dueTime);
        size++;
    }

    /** Records held, over all keys. */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Whether {@code key} has records waiting. */
    boolean holds(long key) {
        return byKey.containsKey(key);
    }

    /** Receives records taken from the bundle, with their due times. */
    interface DueRecords<T> {
        void take(T record, long due);
    }

    /** Hands the records of {@code key} due at or before {@code watermark} to {@code out}, in arrival order. */
    void takeDue(long key, long watermark, DueRecords<T> out) {
        Entries<T> entries = byKey.get(key);
        if (entries != null) {
            size -= entries.takeDue(watermark, out);
            if (entries.size() == 0) {
                byKey.remove(key);
            }
        }
    }

    /** The keys with at least one record due at or before {@code watermark}. */
    List<Long> keysDueBy(long watermark) {
        List<Long> keys = new ArrayList<>();
        for (Map.Entry<Long, Entries<T>> entry : byKey.entrySet()) {
            if (entry.getValue().earliest <= watermark) {
                keys.add(entry.getKey());
            }
        }
        return keys;
    }

    /** Hands every key's records to the caller and empties the bundle. */
    Map<Long, Entries<T>> drain() {
        Map<Long, Entries<T>> all = byKey;
        byKey = new HashMap<>();
        size = 0;
        return all;
    }
}
