package io.freshrec.job;

import io.freshrec.model.CompactModel;
import io.freshrec.model.ItemSnapshot;
import java.util.Arrays;

/**
 * An item's snapshots in serving's broadcast state, by the event time of the version they belong
 * to, oldest first. Serving that waits for the model (align-to-model) reads the snapshot valid at an
 * event's time; otherwise only the newest is kept.
 */
public class ItemVersions implements CompactModel.Versions {
    public long[] times = new long[0];
    public ItemSnapshot[] snapshots = new ItemSnapshot[0];

    public ItemVersions() {}

    /** Adds the snapshot of the version at {@code time} (versions arrive in time order). */
    public void add(long time, ItemSnapshot snapshot) {
        int n = times.length;
        times = Arrays.copyOf(times, n + 1);
        snapshots = Arrays.copyOf(snapshots, n + 1);
        times[n] = time;
        snapshots[n] = snapshot;
    }

    /**
     * Forgets versions no reader can ask for any more: readers ask for times at or after {@code
     * horizon}, so of the versions at or before it only the newest matters.
     */
    public void prune(long horizon) {
        if (times.length < 2) {
            return;
        }
        int keepFrom = VersionTimes.keepFrom(times, horizon);
        if (keepFrom > 0) {
            times = Arrays.copyOfRange(times, keepFrom, times.length);
            snapshots = Arrays.copyOfRange(snapshots, keepFrom, snapshots.length);
        }
    }

    /** The snapshot of the newest version at or before {@code time}, or null. */
    @Override
    public ItemSnapshot at(long time) {
        int index = VersionTimes.newestAtOrBefore(times, time);
        return index < 0 ? null : snapshots[index];
    }

    public boolean isEmpty() {
        return times.length == 0;
    }

    /**
     * Keeps only the version in force at {@code pinned} and the newest: while serving is frozen (quality
     * breaker) readers ask for one or the other, and the versions in between would pile up.
     */
    public void keepOnly(long pinned) {
        int[] keep = VersionTimes.pinnedAndNewest(times, pinned);
        if (keep == null) {
            return;
        }
        times = VersionTimes.pick(times, keep);
        snapshots = VersionTimes.pick(snapshots, keep);
    }
}
