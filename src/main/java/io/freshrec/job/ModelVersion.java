package io.freshrec.job;

import io.freshrec.model.TrendingList;
import java.util.Arrays;

/**
 * The committed model versions serving holds in broadcast state (number, event time, trending
 * list), oldest first, pruned like {@link ItemVersions}.
 */
public class ModelVersion {
    public long[] versions = new long[0];
    public long[] times = new long[0];
    public TrendingList[] trending = new TrendingList[0];

    public ModelVersion() {}

    public void add(long version, long time, TrendingList list) {
        int n = versions.length;
        versions = Arrays.copyOf(versions, n + 1);
        times = Arrays.copyOf(times, n + 1);
        trending = Arrays.copyOf(trending, n + 1);
        versions[n] = version;
        times[n] = time;
        trending[n] = list;
    }

    public void prune(long horizon) {
        int keepFrom = VersionTimes.keepFrom(times, horizon);
        if (keepFrom > 0) {
            versions = Arrays.copyOfRange(versions, keepFrom, versions.length);
            times = Arrays.copyOfRange(times, keepFrom, times.length);
            trending = Arrays.copyOfRange(trending, keepFrom, trending.length);
        }
    }

    /** Index of the newest version at or before {@code time}, or -1. */
    public int indexAt(long time) {
        return VersionTimes.newestAtOrBefore(times, time);
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
        versions = VersionTimes.pick(versions, keep);
        times = VersionTimes.pick(times, keep);
        trending = VersionTimes.pick(trending, keep);
    }
}
