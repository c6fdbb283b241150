package io.freshrec.offline;

import io.freshrec.job.FreshRecState;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ItemState;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.ModelExport;
import io.freshrec.model.TrendingList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Inspect and export a model version from its savepoint: which state is read, and how it becomes figures
 * ({@link ModelStatistics}) or files ({@link ModelExport}).
 *
 * <p>The export is the model as serving scores with it: items come from {@code item-model} (the snapshot
 * each item last published; items that expired, which serving has dropped, are left out), the version
 * number, its time and its trending list from serving's broadcast state, users (history, seen items,
 * served list) from serving's keyed state.
 */
public final class OfflineModel {
    private OfflineModel() {}

    private static final TypeInformation<StateReaders.ItemRecord> ITEM = TypeInformation.of(StateReaders.ItemRecord.class);
    private static final TypeInformation<StateReaders.UserRecord> USER = TypeInformation.of(StateReaders.UserRecord.class);
    private static final TypeInformation<StateReaders.ServingRecord> SERVED = TypeInformation.of(StateReaders.ServingRecord.class);
    private static final TypeInformation<StateReaders.GateRecord> GATE = TypeInformation.of(StateReaders.GateRecord.class);

    /** Reads every stateful operator of the savepoint and returns its figures; {@code top}: popularity head length. */
    public static ModelStatistics inspect(SavepointModel savepoint, ModelConfig config, int top) throws Exception {
        long started = System.currentTimeMillis();
        ModelStatistics stats = new ModelStatistics(config, top);
        stats.savepoint = savepoint.location();
        stats.format = savepoint.format();
        stats.checkpointId = savepoint.checkpointId();

        SavepointModel.CommittedVersion committed = savepoint.readCommittedVersion();
        if (committed != null) {
            stats.model(committed.version, committed.time, committed.trending.items.length);
        }
        if (savepoint.stateBytes(FreshRecState.Uid.MODEL_GATE) >= 0) {
            savepoint.readKeyed(FreshRecState.Uid.MODEL_GATE, "keys", new StateReaders.Gate(), Types.INT, GATE,
                    gate -> stats.gate(gate.version, gate.pendingVersions));
        }
        if (savepoint.stateBytes(FreshRecState.Uid.USER_HISTORY) >= 0) {
            savepoint.readKeyed(FreshRecState.Uid.USER_HISTORY, "users", new StateReaders.Users(), Types.LONG, USER,
                    user -> stats.user(user.history, user.pendingEvents));
        }
        savepoint.readKeyed(FreshRecState.Uid.ITEM_MODEL, "items", new StateReaders.Items(), Types.LONG, ITEM,
                item -> stats.item(item.item, item.state == null ? null : item.state.snapshot,
                        item.state != null && item.state.isExpired(), item.cooccurrences, item.pendingUpdates));
        savepoint.readKeyed(FreshRecState.Uid.SERVING, "users", new StateReaders.Serving(), Types.LONG, SERVED,
                user -> stats.served(user.profile.served, user.pendingProfiles));

        Map<String, Long> bytes = savepoint.stateBytesByOperator();
        stats.finish(bytes, savepoint.bytesOnDisk(),
                bytes.get(FreshRecState.Uid.USER_HISTORY) + bytes.get(FreshRecState.Uid.SERVING), bytes.get(FreshRecState.Uid.ITEM_MODEL));
        stats.readSeconds = (System.currentTimeMillis() - started) / 1000.0;
        return stats;
    }

    /**
     * Writes the model of the savepoint to the new or empty directory {@code out}; returns the manifest
     * (also written, last, as {@code export.json}).
     *
     * @param config the job's settings: written into the model header, used by the servable to score
     */
    public static ModelExport.Manifest export(SavepointModel savepoint, ModelConfig config, Path out, ModelExport.Manifest manifest)
            throws Exception {
        SavepointModel.CommittedVersion committed = savepoint.readCommittedVersion();
        long version = committed == null ? 0 : committed.version;
        long time = committed == null ? 0 : committed.time;
        TrendingList trending = committed == null ? new TrendingList() : committed.trending;
        try (ModelExport.Writer writer = ModelExport.create(out, config, version, time, trending)) {
            savepoint.readKeyed(FreshRecState.Uid.ITEM_MODEL, "items", new StateReaders.Items(), Types.LONG, ITEM, item -> {
                ItemState state = item.state;
                if (state == null) {
                    return; // its first version is not out yet: serving does not know it either
                }
                if (state.isExpired()) {
                    manifest.expiredItems++;
                    return;
                }
                ItemSnapshot snapshot = published(state);
                if (snapshot.problem(Integer.MAX_VALUE) != null) {
                    manifest.invalidItems++;
                    return;
                }
                write(() -> writer.item(snapshot));
            });
            savepoint.readKeyed(FreshRecState.Uid.SERVING, "users", new StateReaders.Serving(), Types.LONG, SERVED, user -> {
                if (user.profile.history != null) {
                    if (user.profile.served != null) {
                        manifest.servedUsers++;
                    }
                    write(() -> writer.user(user.profile));
                }
            });
            manifest.savepoint = savepoint.location();
            manifest.exportedAt = Instant.now().toString();
            manifest.modelVersion = version;
            manifest.modelTime = time;
            writer.finish(manifest);
        }
        return manifest;
    }

    /** The snapshot as the item last published it (what serving holds). */
    static ItemSnapshot published(ItemState state) {
        ItemSnapshot snapshot = state.snapshot;
        snapshot.versionTime = state.lastVersionTime;
        return snapshot;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void write(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the export: " + e.getMessage(), e);
        }
    }
}
