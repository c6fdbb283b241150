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
import java.util.EnumSet;
import java.util.Map;

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

    /** Reads every stateful operator of the savepoint and returns its figures; {@code top}: popularity head length. */
    public static ModelStatistics inspect(SavepointModel savepoint, ModelConfig config, int top) throws Exception {
        long started = System.currentTimeMillis();
        ModelStatistics stats = new ModelStatistics(config, top);
        stats.savepoint = savepoint.location();
        stats.format = savepoint.format();
        stats.checkpointId = savepoint.checkpointId();
        SavepointModel.CommittedVersion[] committed = {null};
        savepoint.read(EnumSet.allOf(SavepointModel.Part.class), record -> {
            switch (record.part()) {
                case MODEL_VERSION -> committed[0] = SavepointModel.newest(committed[0], record.modelVersion);
                case GATE -> stats.gate(record.gate.version, record.gate.pendingVersions);
                case USERS -> stats.user(record.user.history, record.user.pendingEvents);
                case ITEMS -> stats.item(record.item.item, record.item.state == null ? null : record.item.state.snapshot,
                        record.item.state != null && record.item.state.isExpired(), record.item.cooccurrences,
                        record.item.pendingUpdates);
                case SERVING -> stats.served(record.serving.profile.served, record.serving.pendingProfiles);
            }
        });
        if (committed[0] != null) {
            stats.model(committed[0].version, committed[0].time, committed[0].trending.items.length);
        }
        Map<String, Long> bytes = savepoint.stateBytesByOperator();
        stats.finish(bytes, savepoint.bytesOnDisk(),
                bytes.get(FreshRecState.Uid.USER_HISTORY) + bytes.get(FreshRecState.Uid.SERVING), bytes.get(FreshRecState.Uid.ITEM_MODEL));
        stats.readSeconds = (System.currentTimeMillis() - started) / 1000.0;
        return stats;
    }

    /**
     * Writes the model of the savepoint to the new or empty directory {@code out}, completing {@code
     * manifest} (also written, last, as {@code export.json}).
     *
     * @param config the job's settings: written into the model header, used by the servable to score
     */
    public static ModelExport.Manifest export(SavepointModel savepoint, ModelConfig config, Path out, ModelExport.Manifest manifest)
            throws Exception {
        SavepointModel.CommittedVersion[] committed = {null};
        try (ModelExport.Writer writer = ModelExport.create(out, config)) {
            savepoint.read(EnumSet.of(SavepointModel.Part.MODEL_VERSION, SavepointModel.Part.ITEMS, SavepointModel.Part.SERVING),
                    record -> {
                        switch (record.part()) {
                            case MODEL_VERSION -> committed[0] = SavepointModel.newest(committed[0], record.modelVersion);
                            case ITEMS -> item(record.item.state, writer, manifest);
                            case SERVING -> user(record.serving, writer, manifest);
                            default -> throw new IllegalStateException("not asked for: " + record.part());
                        }
                    });
            manifest.savepoint = savepoint.location();
            manifest.exportedAt = Instant.now().toString();
            SavepointModel.CommittedVersion version = committed[0];
            writer.finish(version == null ? 0 : version.version, version == null ? 0 : version.time,
                    version == null ? new TrendingList() : version.trending, manifest);
        }
        return manifest;
    }

    private static void item(ItemState state, ModelExport.Writer writer, ModelExport.Manifest manifest) {
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
    }

    private static void user(StateReaders.ServingRecord record, ModelExport.Writer writer, ModelExport.Manifest manifest) {
        if (record.profile.history == null) {
            return; // waiting to be served for the first time (align-to-model)
        }
        if (record.profile.served != null) {
            manifest.servedUsers++;
        }
        write(() -> writer.user(record.profile));
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
