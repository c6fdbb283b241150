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
 * each item last published, which serving holds; items that expired, which serving has dropped, are left
 * out), the committed version number and its trending list from the {@code model-gate} (the list it
 * committed that version with), users (history, seen items, served list) from serving's keyed state.
 * Serving's broadcast copy of the model is not read: it holds the same snapshots, once per serving
 * subtask, and is the slowest state to restore (minutes for an uncompressed MovieLens model, where the
 * keyed state took seconds).
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
        savepoint.read(EnumSet.allOf(SavepointModel.Part.class), record -> {
            switch (record.part()) {
                case GATE -> stats.gate(record.gate.version, record.gate.trending, record.gate.pendingVersions);
                case USERS -> stats.user(record.user.history, record.user.pendingEvents);
                case ITEMS ->
                    stats.item(
                            record.item.item,
                            record.item.state == null ? null : published(record.item.state),
                            record.item.state != null && record.item.state.isExpired(),
                            record.item.cooccurrences,
                            record.item.pendingUpdates);
                case SERVING -> stats.served(record.serving.profile.served, record.serving.pendingProfiles);
            }
        });
        Map<String, Long> keyed = savepoint.keyedStateBytesByOperator();
        stats.finish(
                savepoint.stateBytesByOperator(),
                keyed,
                savepoint.bytesOnDisk(),
                keyed.get(FreshRecState.Uid.USER_HISTORY) + keyed.get(FreshRecState.Uid.SERVING),
                keyed.get(FreshRecState.Uid.ITEM_MODEL));
        stats.readSeconds = (System.currentTimeMillis() - started) / 1000.0;
        return stats;
    }

    /**
     * Writes the model of the savepoint to the new or empty directory {@code out}, completing {@code
     * manifest} (also written, last, as {@code export.json}).
     *
     * @param config the job's settings: written into the model header, used by the servable to score
     */
    public static ModelExport.Manifest export(
            SavepointModel savepoint, ModelConfig config, Path out, ModelExport.Manifest manifest) throws Exception {
        StateReaders.GateRecord[] gate = {null};
        long[] time = {0};
        try (ModelExport.Writer writer = ModelExport.create(out, config)) {
            savepoint.read(
                    EnumSet.of(SavepointModel.Part.GATE, SavepointModel.Part.ITEMS, SavepointModel.Part.SERVING),
                    record -> {
                        switch (record.part()) {
                            case GATE -> gate[0] = record.gate;
                            case ITEMS -> time[0] = Math.max(time[0], item(record.item.state, writer, manifest));
                            case SERVING -> user(record.serving, writer, manifest);
                            default -> throw new IllegalStateException("not asked for: " + record.part());
                        }
                    });
            manifest.savepoint = savepoint.location();
            manifest.exportedAt = Instant.now().toString();
            TrendingList trending = gate[0] == null || gate[0].trending == null ? new TrendingList() : gate[0].trending;
            writer.finish(gate[0] == null ? 0 : gate[0].version, time[0], trending, manifest);
        }
        return manifest;
    }

    /** Writes the item if serving knows it; returns the time of the version it was written with (0: not written). */
    private static long item(ItemState state, ModelExport.Writer writer, ModelExport.Manifest manifest) {
        if (state == null) {
            return 0; // its first version is not out yet: serving does not know it either
        }
        if (state.isExpired()) {
            manifest.expiredItems++;
            return 0;
        }
        ItemSnapshot snapshot = published(state);
        if (snapshot.problem(Integer.MAX_VALUE) != null) {
            manifest.invalidItems++;
            return 0;
        }
        write(() -> writer.item(snapshot));
        return snapshot.versionTime;
    }

    private static void user(
            StateReaders.ServingRecord record, ModelExport.Writer writer, ModelExport.Manifest manifest) {
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
