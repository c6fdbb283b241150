package io.freshrec.offline;

import io.freshrec.job.FreshRecState;
import io.freshrec.job.ModelVersion;
import io.freshrec.versions.SavepointFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CheckpointProperties;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.KeyGroupsSavepointStateHandle;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * A savepoint (or retained checkpoint) of the FreshRec job, read offline with the State Processor API:
 * its metadata (format, state bytes per operator) and its operators' state, each read by a small bounded
 * Flink job in this process whose records are streamed back here. Works for canonical and native
 * savepoints: the reader restores keyed state into RocksDB, as the job does.
 */
public final class SavepointModel {
    /** The job's stateful operators, by uid. */
    static final List<String> OPERATORS = List.of(FreshRecState.Uid.USER_HISTORY, FreshRecState.Uid.ITEM_MODEL,
            FreshRecState.Uid.MODEL_GATE, FreshRecState.Uid.SERVING);
    private static final long PROGRESS_EVERY_MS = 2000;

    private final String location;
    private final CheckpointMetadata metadata;
    private final Configuration settings;
    private final PrintWriter progress;

    private SavepointModel(String location, CheckpointMetadata metadata, Configuration settings, PrintWriter progress) {
        this.location = location;
        this.metadata = metadata;
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Opens the savepoint at {@code location} (a directory or its {@code _metadata}; a path or URI).
     *
     * @param settings Flink settings of the job (RocksDB options, temp directories)
     * @param progress where progress lines go
     * @throws IOException with a one-line message when there is no savepoint or it cannot be read
     */
    public static SavepointModel open(String location, Configuration settings, PrintWriter progress) throws IOException {
        if (SavepointFiles.exists(location).orElse(true) == Boolean.FALSE
                && !location.endsWith("_metadata")) {
            throw new IOException("no savepoint at " + location + " (no _metadata there)");
        }
        CheckpointMetadata metadata;
        try {
            metadata = SavepointLoader.loadSavepointMetadata(location);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read the savepoint at " + location + ": " + firstLine(e), e);
        }
        SavepointModel model = new SavepointModel(location, metadata, settings, progress);
        for (String uid : List.of(FreshRecState.Uid.ITEM_MODEL, FreshRecState.Uid.SERVING)) {
            if (model.stateBytes(uid) < 0) {
                throw new IOException("the savepoint at " + location + " has no state of operator '" + uid
                        + "' (not a savepoint of the FreshRec job?)");
            }
        }
        return model;
    }

    private static String firstLine(Throwable error) {
        Throwable shown = error;
        while (shown.getMessage() == null && shown.getCause() != null) {
            shown = shown.getCause();
        }
        String message = shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
        return message.split("\n", 2)[0];
    }

    public String location() {
        return location;
    }

    public long checkpointId() {
        return metadata.getCheckpointId();
    }

    /** CANONICAL, NATIVE or CHECKPOINT (a retained checkpoint). */
    public String format() {
        CheckpointProperties properties = metadata.getCheckpointProperties();
        if (properties != null) {
            if (properties.getCheckpointType() instanceof SavepointType savepoint) {
                return savepoint.getFormatType().name();
            }
            if (!properties.isSavepoint()) {
                return "CHECKPOINT";
            }
        }
        // Older metadata without properties: canonical savepoints have their own key-group handles.
        for (OperatorState operator : metadata.getOperatorStates()) {
            for (OperatorSubtaskState subtask : operator.getStates()) {
                for (KeyedStateHandle handle : subtask.getManagedKeyedState()) {
                    return handle instanceof KeyGroupsSavepointStateHandle ? SavepointFormatType.CANONICAL.name()
                            : SavepointFormatType.NATIVE.name();
                }
            }
        }
        return "unknown";
    }

    /** Bytes of the operator's state (all subtasks, keyed and operator state), or -1 when it has none here. */
    public long stateBytes(String uid) {
        OperatorID id = OperatorIdentifier.forUid(uid).getOperatorId();
        for (OperatorState operator : metadata.getOperatorStates()) {
            if (operator.getOperatorID().equals(id)) {
                return operator.getStateSize();
            }
        }
        return -1;
    }

    /** State bytes per stateful operator of the job, and {@code other} for the rest (sources, sinks). */
    public Map<String, Long> stateBytesByOperator() {
        Map<OperatorID, String> names = new HashMap<>();
        for (String uid : OPERATORS) {
            names.put(OperatorIdentifier.forUid(uid).getOperatorId(), uid);
        }
        Map<String, Long> bytes = new LinkedHashMap<>();
        OPERATORS.forEach(uid -> bytes.put(uid, 0L));
        bytes.put("other", 0L);
        for (OperatorState operator : metadata.getOperatorStates()) {
            bytes.merge(names.getOrDefault(operator.getOperatorID(), "other"), operator.getStateSize(), Long::sum);
        }
        return bytes;
    }

    /** Bytes of the savepoint's files when local, else the sum of its state sizes. */
    public long bytesOnDisk() {
        String directory = location.endsWith("/_metadata") ? location.substring(0, location.length() - "/_metadata".length())
                : location;
        Long local = SavepointFiles.size(directory);
        if (local != null) {
            return local;
        }
        return metadata.getOperatorStates().stream().mapToLong(OperatorState::getStateSize).sum();
    }

    private StreamExecutionEnvironment environment() {
        Configuration conf = new Configuration();
        conf.set(org.apache.flink.configuration.PipelineOptions.GENERIC_TYPES, false);
        settings.getOptional(org.apache.flink.configuration.CoreOptions.TMP_DIRS)
                .ifPresent(dirs -> conf.set(org.apache.flink.configuration.CoreOptions.TMP_DIRS, dirs));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
        return env;
    }

    private SavepointReader reader(StreamExecutionEnvironment env) throws IOException {
        // The job's RocksDB settings (e.g. heap or RocksDB timers), so native savepoints restore as in the job.
        EmbeddedRocksDBStateBackend backend = new EmbeddedRocksDBStateBackend()
                .configure(settings, SavepointModel.class.getClassLoader());
        return SavepointReader.read(env, location, backend);
    }

    /**
     * Reads the keyed state of operator {@code uid}, one record per key, and passes each to {@code sink};
     * prints a progress line every two seconds and a summary. Returns the number of records.
     */
    public <K, T> long readKeyed(String uid, String what, KeyedStateReaderFunction<K, T> function, TypeInformation<K> keyType,
            TypeInformation<T> type, Consumer<T> sink) throws Exception {
        long started = System.currentTimeMillis();
        StreamExecutionEnvironment env = environment();
        long count = 0;
        long nextReport = started + PROGRESS_EVERY_MS;
        try (CloseableIterator<T> records = reader(env).readKeyedState(OperatorIdentifier.forUid(uid), function, keyType, type)
                .executeAndCollect("freshrec: read " + uid + " of " + location)) {
            while (records.hasNext()) {
                sink.accept(records.next());
                count++;
                long now = System.currentTimeMillis();
                if (now >= nextReport) {
                    progress.printf(Locale.ROOT, "  %s: %,d %s read (%,.0f/s)%n", uid, count, what,
                            count * 1000.0 / Math.max(1, now - started));
                    progress.flush();
                    nextReport = now + PROGRESS_EVERY_MS;
                }
            }
        }
        progress.printf(Locale.ROOT, "  %s: %,d %s in %.1f s%n", uid, count, what, (System.currentTimeMillis() - started) / 1000.0);
        progress.flush();
        return count;
    }

    /** The newest committed model version serving held (number, event time, trending list), or null if none. */
    public CommittedVersion readCommittedVersion() throws Exception {
        long started = System.currentTimeMillis();
        List<Tuple2<Integer, ModelVersion>> entries = new ArrayList<>();
        StreamExecutionEnvironment env = environment();
        try (CloseableIterator<Tuple2<Integer, ModelVersion>> records = reader(env)
                .readBroadcastState(OperatorIdentifier.forUid(FreshRecState.Uid.SERVING), FreshRecState.MODEL_VERSION.getName(),
                        Types.INT, TypeInformation.of(ModelVersion.class))
                .executeAndCollect("freshrec: read the model version of " + location)) {
            records.forEachRemaining(entries::add);
        }
        CommittedVersion newest = null;
        // Every serving subtask stores its copy of the broadcast state: take the newest version any holds.
        for (Tuple2<Integer, ModelVersion> entry : entries) {
            ModelVersion log = entry.f1;
            int last = log.versions.length - 1;
            if (last >= 0 && (newest == null || log.versions[last] > newest.version)) {
                newest = new CommittedVersion(log.versions[last], log.times[last], log.trending[last]);
            }
        }
        progress.printf(Locale.ROOT, "  %s: model version %s in %.1f s%n", FreshRecState.Uid.SERVING,
                newest == null ? "none" : "v" + newest.version, (System.currentTimeMillis() - started) / 1000.0);
        progress.flush();
        return newest;
    }

    /** A committed model version as serving holds it. */
    public static final class CommittedVersion {
        public final long version;
        public final long time;
        public final io.freshrec.model.TrendingList trending;

        CommittedVersion(long version, long time, io.freshrec.model.TrendingList trending) {
            this.version = version;
            this.time = time;
            this.trending = trending == null ? new io.freshrec.model.TrendingList() : trending;
        }
    }
}
