package io.freshrec.offline;

import io.freshrec.job.FreshRecState;
import io.freshrec.versions.SavepointFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
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
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.collect.CollectSinkOperatorFactory;
import org.apache.flink.util.CloseableIterator;

/**
 * A savepoint (or retained checkpoint) of the FreshRec job, read offline with the State Processor API:
 * its metadata (format, state bytes per operator) and its operators' state, each read by a small bounded
 * Flink job in this process whose records are streamed back here. Works for canonical and native
 * savepoints: native ones are restored into RocksDB, as the job does; canonical ones into the heap by
 * default (see {@link ReaderBackend}).
 */
public final class SavepointModel {
    /** The job's stateful operators, by uid. */
    static final List<String> OPERATORS = List.of(
            FreshRecState.Uid.USER_HISTORY,
            FreshRecState.Uid.ITEM_MODEL,
            FreshRecState.Uid.MODEL_GATE,
            FreshRecState.Uid.SERVING);

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
    public static SavepointModel open(String location, Configuration settings, PrintWriter progress)
            throws IOException {
        if (SavepointFiles.exists(location).orElse(true) == Boolean.FALSE && !location.endsWith("_metadata")) {
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
                    return handle instanceof KeyGroupsSavepointStateHandle
                            ? SavepointFormatType.CANONICAL.name()
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
        return bytesByOperator(OperatorState::getStateSize);
    }

    /**
     * Keyed state bytes per stateful operator (what grows with users and items; serving's operator state is
     * its broadcast copy of the model, once per subtask).
     */
    public Map<String, Long> keyedStateBytesByOperator() {
        return bytesByOperator(operator -> {
            long bytes = 0;
            for (OperatorSubtaskState subtask : operator.getStates()) {
                bytes += subtask.getManagedKeyedState().getStateSize()
                        + subtask.getRawKeyedState().getStateSize();
            }
            return bytes;
        });
    }

    private Map<String, Long> bytesByOperator(ToLongFunction<OperatorState> size) {
        Map<OperatorID, String> names = new HashMap<>();
        for (String uid : OPERATORS) {
            names.put(OperatorIdentifier.forUid(uid).getOperatorId(), uid);
        }
        Map<String, Long> bytes = new LinkedHashMap<>();
        OPERATORS.forEach(uid -> bytes.put(uid, 0L));
        bytes.put("other", 0L);
        for (OperatorState operator : metadata.getOperatorStates()) {
            bytes.merge(names.getOrDefault(operator.getOperatorID(), "other"), size.applyAsLong(operator), Long::sum);
        }
        return bytes;
    }

    /** Bytes of the savepoint's files when local, else the sum of its state sizes. */
    public long bytesOnDisk() {
        String directory = location.endsWith("/_metadata")
                ? location.substring(0, location.length() - "/_metadata".length())
                : location;
        Long local = SavepointFiles.size(directory);
        if (local != null) {
            return local;
        }
        return metadata.getOperatorStates().stream()
                .mapToLong(OperatorState::getStateSize)
                .sum();
    }

    /** Which state backend restores the savepoint's keyed state for reading. */
    public enum ReaderBackend {
        /** Heap for canonical savepoints (several times faster to iterate), RocksDB for native ones (required). */
        AUTO,
        HEAP,
        /** Keeps restored state on local disk: for canonical savepoints too large for this JVM's heap. */
        ROCKSDB
    }

    /** What to read; each becomes one source of a single reading job. */
    public enum Part {
        /** The model gate: the committed version number and its trending list. */
        GATE(FreshRecState.Uid.MODEL_GATE, "gate"),
        USERS(FreshRecState.Uid.USER_HISTORY, "user histories"),
        ITEMS(FreshRecState.Uid.ITEM_MODEL, "items"),
        SERVING(FreshRecState.Uid.SERVING, "served users");

        final String uid;
        final String label;

        Part(String uid, String label) {
            this.uid = uid;
            this.label = label;
        }
    }

    /** One record of a read: {@code part} says which, and exactly that part's field is set. */
    public static class StateRecord {
        public Part part;
        public StateReaders.GateRecord gate;
        public StateReaders.UserRecord user;
        public StateReaders.ItemRecord item;
        public StateReaders.ServingRecord serving;

        public StateRecord() {}

        static StateRecord of(Part part, Object value) {
            StateRecord record = new StateRecord();
            record.part = part;
            switch (part) {
                case GATE -> record.gate = (StateReaders.GateRecord) value;
                case USERS -> record.user = (StateReaders.UserRecord) value;
                case ITEMS -> record.item = (StateReaders.ItemRecord) value;
                case SERVING -> record.serving = (StateReaders.ServingRecord) value;
            }
            return record;
        }

        public Part part() {
            return part;
        }
    }

    private ReaderBackend backend = ReaderBackend.AUTO;

    public SavepointModel withBackend(ReaderBackend backend) {
        this.backend = backend;
        return this;
    }

    /** The backend a read uses: see {@link ReaderBackend}. */
    public String backendName() {
        return useRocksDb() ? "RocksDB" : "heap";
    }

    private boolean useRocksDb() {
        return backend == ReaderBackend.ROCKSDB
                || (backend == ReaderBackend.AUTO
                        && !SavepointFormatType.CANONICAL.name().equals(format()));
    }

    private StreamExecutionEnvironment environment() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        settings.getOptional(CoreOptions.TMP_DIRS).ifPresent(dirs -> conf.set(CoreOptions.TMP_DIRS, dirs));
        // One record must fit a batch of results: a user with a long seen list, an item with many neighbours.
        conf.set(CollectSinkOperatorFactory.MAX_BATCH_SIZE, MemorySize.ofMebiBytes(32));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(Math.max(1, Math.min(4, env.getParallelism())));
        return env;
    }

    private SavepointReader reader(StreamExecutionEnvironment env) throws IOException {
        if (!useRocksDb()) {
            return SavepointReader.read(env, location, new HashMapStateBackend());
        }
        // The job's RocksDB settings (e.g. heap or RocksDB timers), so native savepoints restore as in the job.
        EmbeddedRocksDBStateBackend rocksDb =
                new EmbeddedRocksDBStateBackend().configure(settings, SavepointModel.class.getClassLoader());
        return SavepointReader.read(env, location, rocksDb);
    }

    private static final TypeInformation<StateRecord> RECORD = TypeInformation.of(StateRecord.class);

    /**
     * Reads {@code parts} of the savepoint in one bounded job and passes every record to {@code sink} (in
     * no particular order); parts whose operator has no state here are skipped. Prints a progress line
     * every two seconds and a summary. Returns the number of records per part.
     */
    public Map<Part, Long> read(Set<Part> parts, Consumer<StateRecord> sink) throws Exception {
        long started = System.currentTimeMillis();
        StreamExecutionEnvironment env = environment();
        SavepointReader reader = reader(env);
        DataStream<StateRecord> all = null;
        Map<Part, Long> counts = new EnumMap<>(Part.class);
        for (Part part : parts) {
            if (stateBytes(part.uid) < 0) {
                continue;
            }
            counts.put(part, 0L);
            OperatorIdentifier operator = OperatorIdentifier.forUid(part.uid);
            DataStream<?> state = switch (part) {
                case GATE ->
                    reader.readKeyedState(
                            operator,
                            new StateReaders.Gate(),
                            Types.INT,
                            TypeInformation.of(StateReaders.GateRecord.class));
                case USERS ->
                    reader.readKeyedState(
                            operator,
                            new StateReaders.Users(),
                            Types.LONG,
                            TypeInformation.of(StateReaders.UserRecord.class));
                case ITEMS ->
                    reader.readKeyedState(
                            operator,
                            new StateReaders.Items(),
                            Types.LONG,
                            TypeInformation.of(StateReaders.ItemRecord.class));
                case SERVING ->
                    reader.readKeyedState(
                            operator,
                            new StateReaders.Serving(),
                            Types.LONG,
                            TypeInformation.of(StateReaders.ServingRecord.class));
            };
            DataStream<StateRecord> records = state.map(value -> StateRecord.of(part, value), RECORD);
            all = all == null ? records : all.union(records);
        }
        if (all == null) {
            return counts;
        }
        long total = 0;
        long first = 0;
        long nextReport = 0;
        try (CloseableIterator<StateRecord> records = all.executeAndCollect("freshrec: read " + location)) {
            while (records.hasNext()) {
                StateRecord record = records.next();
                counts.merge(record.part(), 1L, Long::sum);
                sink.accept(record);
                total++;
                long now = System.currentTimeMillis();
                if (first == 0) {
                    first = now;
                    nextReport = now + PROGRESS_EVERY_MS;
                } else if (now >= nextReport) {
                    progress.printf(
                            Locale.ROOT,
                            "  read %s (%,.0f records/s)%n",
                            describe(counts),
                            total * 1000.0 / Math.max(1, now - first));
                    progress.flush();
                    nextReport = now + PROGRESS_EVERY_MS;
                }
            }
        }
        long end = System.currentTimeMillis();
        progress.printf(
                Locale.ROOT,
                "  read %s in %.1f s (%s; state restored after %.1f s)%n",
                describe(counts),
                (end - started) / 1000.0,
                backendName(),
                ((first == 0 ? end : first) - started) / 1000.0);
        progress.flush();
        return counts;
    }

    private static String describe(Map<Part, Long> counts) {
        StringJoiner text = new StringJoiner(", ");
        counts.forEach((part, count) -> {
            if (part != Part.GATE) {
                text.add(String.format(Locale.ROOT, "%,d %s", count, part.label));
            }
        });
        return text.toString();
    }
}
