package io.freshrec.job;

import io.freshrec.model.CompactModel;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.ModelView;
import io.freshrec.model.TrendingList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;

/**
 * Serving's copy of the published model: item snapshots by version and the version log in broadcast state (what
 * checkpoints hold), and the same items in a {@link CompactModel} (what the scorer reads). One per serving subtask.
 */
final class ServingModel {
    private static final TrendingList EMPTY_TRENDING = new TrendingList();

    private final CompactModel compact;
    private final boolean alignToModel;
    /** For the gauges (read by the metrics thread). */
    private volatile long newestVersion;

    private volatile int items;

    private volatile long evictions;

    ServingModel(ModelConfig config, boolean alignToModel) {
        this(config, alignToModel, Integer.MAX_VALUE);
    }

    /** @param maxItems items held at most: beyond it the least trending is evicted (and comes back when published) */
    ServingModel(ModelConfig config, boolean alignToModel, int maxItems) {
        this.compact = new CompactModel(config, maxItems);
        this.alignToModel = alignToModel;
    }

    /**
     * Rebuilds the compact copy from the broadcast state a job (re)starts with; a state holding more items than this
     * model may (the bound was lowered) loses its least trending ones.
     */
    void restore(OperatorStateStore store) throws Exception {
        BroadcastState<Long, ItemVersions> itemState = store.getBroadcastState(FreshRecState.MODEL_ITEMS);
        List<Long> evicted = new ArrayList<>();
        for (Map.Entry<Long, ItemVersions> entry : itemState.entries()) {
            ItemVersions versions = entry.getValue();
            int newest = versions.times.length - 1;
            long gone = compact.put(entry.getKey(), versions.times[newest], versions.snapshots[newest], versions);
            if (gone != CompactModel.NONE_EVICTED) {
                evicted.add(gone);
            }
        }
        for (long item : evicted) {
            itemState.remove(item);
        }
        evictions = compact.evictions();
        items = compact.size();
        // The version a restored job serves, before any new version arrives.
        ModelVersion log = store.getBroadcastState(FreshRecState.MODEL_VERSION).get(0);
        if (log != null && log.versions.length > 0) {
            newestVersion = log.versions[log.versions.length - 1];
        }
    }

    /**
     * Applies an item snapshot or a version commit.
     *
     * @param horizon readers ask for the model at event times at or after this (or the newest)
     * @param pinned while quality is down (or serving frozen), the version from before the drop must stay readable
     */
    void apply(
            ModelUpdate update,
            BroadcastState<Long, ItemVersions> itemState,
            BroadcastState<Integer, ModelVersion> versionState,
            long horizon,
            long pinned)
            throws Exception {
        boolean keepPinnedOnly = pinned != Long.MAX_VALUE && !alignToModel;
        if (update.isCommit()) {
            ModelVersion log = versionState.get(0);
            if (log == null) {
                log = new ModelVersion();
            }
            log.add(update.version, update.time, update.trending);
            log.prune(Math.min(horizon, pinned));
            if (keepPinnedOnly) {
                log.keepOnly(pinned);
            }
            versionState.put(0, log);
            newestVersion = update.version;
            return;
        }
        long item = update.item.item;
        // The compact model holds the same ItemVersions objects as the broadcast state: changed in place, an item
        // is looked up once, without boxing, and written to the broadcast state only when it comes or goes.
        ItemVersions versions = (ItemVersions) compact.versionsOf(item);
        boolean held = versions != null;
        if (!held) {
            versions = new ItemVersions();
        }
        versions.add(update.time, update.item.isTombstone() ? null : update.item);
        versions.prune(Math.min(horizon, pinned));
        if (keepPinnedOnly) {
            versions.keepOnly(pinned); // readers ask for the pinned version or the newest, nothing between
        }
        if (versions.times.length == 1 && versions.snapshots[0] == null) {
            if (held) {
                itemState.remove(item);
            }
            compact.remove(item);
        } else {
            if (!held) {
                itemState.put(item, versions);
            }
            int newest = versions.times.length - 1;
            long evicted = compact.put(item, versions.times[newest], versions.snapshots[newest], versions);
            if (evicted != CompactModel.NONE_EVICTED) {
                itemState.remove(evicted); // the model was full: its least trending item goes
                evictions = compact.evictions();
            }
        }
        items = compact.size();
    }

    /** Items evicted because the model was full (this subtask, since the job started). */
    long evictions() {
        return evictions;
    }

    /** The model as of event time {@code at} (Long.MAX_VALUE: the newest). */
    ModelView at(ReadOnlyBroadcastState<Integer, ModelVersion> versionState, long at) throws Exception {
        ModelVersion log = versionState.get(0);
        int index = log == null ? -1 : log.indexAt(at);
        TrendingList trending = index < 0 || log.trending[index] == null ? EMPTY_TRENDING : log.trending[index];
        return compact.at(at, trending, index < 0 ? 0 : log.versions[index]);
    }

    /** The newest committed version this subtask has received. */
    long newestVersion() {
        return newestVersion;
    }

    /** Items held. */
    int items() {
        return items;
    }
}
