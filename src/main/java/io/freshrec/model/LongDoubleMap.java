package io.freshrec.model;

import java.util.Arrays;

/** A small open-addressing map from long keys to summed double values, reusable without allocation. */
final class LongDoubleMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys = new long[64];
    private double[] values = new double[64];
    private int size;

    void clear() {
        if (size > 0) {
            Arrays.fill(keys, EMPTY);
            size = 0;
        }
    }

    LongDoubleMap() {
        Arrays.fill(keys, EMPTY);
    }

    void add(long key, double value) {
        if (size * 2 >= keys.length) {
            grow();
        }
        int slot = slot(key, keys.length);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & (keys.length - 1);
        }
        if (keys[slot] == EMPTY) {
            keys[slot] = key;
            values[slot] = value;
            size++;
        } else {
            values[slot] += value;
        }
    }

    boolean containsKey(long key) {
        return slotOf(key) >= 0;
    }

    /** The slot holding {@code key}, or -1. */
    int slotOf(long key) {
        int slot = slot(key, keys.length);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) {
                return slot;
            }
            slot = (slot + 1) & (keys.length - 1);
        }
        return -1;
    }

    int capacity() {
        return keys.length;
    }

    /** Key at a slot, or {@link Long#MIN_VALUE} when the slot is free. */
    long keyAt(int slot) {
        return keys[slot];
    }

    double valueAt(int slot) {
        return values[slot];
    }

    void addAt(int slot, double value) {
        values[slot] += value;
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldKeys = keys;
        double[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new double[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                add(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int slot(long key, int length) {
        // MurmurHash3's finaliser: ids with a common stride (clustered catalogues) still spread.
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h & (length - 1);
    }
}
