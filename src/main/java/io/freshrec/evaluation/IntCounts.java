package io.freshrec.evaluation;

import java.util.Arrays;

/**
 * Counts by non-negative int key (a co-occurrence row): keys and counts in dense arrays in the order keys were
 * first counted (iterating touches no empty slots), found through an open-addressing index.
 */
final class IntCounts {
    private int[] keys = new int[4];
    private int[] counts = new int[4];
    private int size;
    /** Position + 1 of each key by hash slot; 0 = free. */
    private int[] slots = new int[8];

    void increment(int key) {
        int mask = slots.length - 1;
        int slot = hash(key) & mask;
        while (slots[slot] != 0) {
            int position = slots[slot] - 1;
            if (keys[position] == key) {
                counts[position]++;
                return;
            }
            slot = (slot + 1) & mask;
        }
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
        }
        keys[size] = key;
        counts[size] = 1;
        size++;
        slots[slot] = size;
        if (size * 2 > slots.length) {
            rehash();
        }
    }

    int size() {
        return size;
    }

    int keyAt(int position) {
        return keys[position];
    }

    int countAt(int position) {
        return counts[position];
    }

    private void rehash() {
        slots = new int[slots.length * 2];
        int mask = slots.length - 1;
        for (int position = 0; position < size; position++) {
            int slot = hash(keys[position]) & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = position + 1;
        }
    }

    private static int hash(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
