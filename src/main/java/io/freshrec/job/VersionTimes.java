package io.freshrec.job;

import java.util.Arrays;

/** Lookups in an ascending array of version times, shared by the versioned broadcast values. */
final class VersionTimes {
    private VersionTimes() {}

    /** Index of the newest version at or before {@code time}, or -1. */
    static int newestAtOrBefore(long[] times, long time) {
        for (int i = times.length - 1; i >= 0; i--) {
            if (times[i] <= time) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The first index to keep when readers only ask for times at or after {@code horizon}: of the
     * versions at or before it only the newest matters.
     */
    static int keepFrom(long[] times, long horizon) {
        return Math.max(0, newestAtOrBefore(times, horizon));
    }

    /**
     * Indexes of the version in force at {@code pinned} and of the newest (just the newest when none is in force),
     * or null when there is nothing between them to drop.
     */
    static int[] pinnedAndNewest(long[] times, long pinned) {
        int at = newestAtOrBefore(times, pinned);
        int newest = times.length - 1;
        if (newest < 1 || at >= 0 && newest - at <= 1) {
            return null;
        }
        return at < 0 ? new int[] {newest} : new int[] {at, newest};
    }

    /** The values at {@code indexes}, in that order. */
    static long[] pick(long[] values, int[] indexes) {
        long[] picked = new long[indexes.length];
        for (int i = 0; i < indexes.length; i++) {
            picked[i] = values[indexes[i]];
        }
        return picked;
    }

    /** The values at {@code indexes}, in that order. */
    static <T> T[] pick(T[] values, int[] indexes) {
        T[] picked = Arrays.copyOf(values, indexes.length);
        for (int i = 0; i < indexes.length; i++) {
            picked[i] = values[indexes[i]];
        }
        return picked;
    }
}
