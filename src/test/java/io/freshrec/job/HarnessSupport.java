package io.freshrec.job;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.operators.testutils.MockInputSplitProvider;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * Shared plumbing of the operator-harness tests: harnesses on RocksDB with generic (Kryo) types
 * disabled like the job, metric capture, and direct reads of keyed state through the backend
 * (the harness only counts entries of heap backends).
 */
final class HarnessSupport {
    static final int MAX_PARALLELISM = 128;

    private HarnessSupport() {}

    /** Captures counters of one operator, including those of its sub-groups ("group.name"). */
    static final class CapturedMetrics extends InterceptingOperatorMetricGroup {
        private final Map<String, Counter> subGroupCounters = new ConcurrentHashMap<>();

        @Override
        public MetricGroup addGroup(String name) {
            return new UnregisteredMetricsGroup() {
                @Override
                public Counter counter(String counterName) {
                    return subGroupCounters.computeIfAbsent(name + "." + counterName, k -> new SimpleCounter());
                }
            };
        }

        long count(String name) {
            Counter counter = subGroupCounters.get(name);
            if (counter == null) {
                Metric metric = get(name);
                counter = metric instanceof Counter ? (Counter) metric : null;
            }
            return counter == null ? 0L : counter.getCount();
        }

        /** The value of a gauge of the operator's own group, or null when there is none. */
        Object gauge(String name) {
            Metric metric = get(name);
            return metric instanceof Gauge<?> gauge ? gauge.getValue() : null;
        }
    }

    private static final class CapturingTaskMetrics extends InterceptingTaskMetricGroup {
        private final CapturedMetrics operator;

        CapturingTaskMetrics(CapturedMetrics operator) {
            this.operator = operator;
        }

        @Override
        public InternalOperatorMetricGroup getOrAddOperator(OperatorID operatorID, String name) {
            return operator;
        }
    }

    /** A task environment like the harness's default one, with captured metrics and no Kryo fallback. */
    static MockEnvironment environment(CapturedMetrics metrics) {
        MockEnvironment environment = new MockEnvironmentBuilder()
                .setTaskName("harness")
                .setManagedMemorySize(3 * 1024 * 1024)
                .setInputSplitProvider(new MockInputSplitProvider())
                .setBufferSize(1024)
                .setMaxParallelism(MAX_PARALLELISM)
                .setParallelism(1)
                .setSubtaskIndex(0)
                .setMetricGroup(new CapturingTaskMetrics(metrics))
                .build();
        disableGenericTypes(environment.getExecutionConfig());
        return environment;
    }

    @SuppressWarnings("deprecation")
    static void disableGenericTypes(ExecutionConfig config) {
        // As FreshRecJob does: any state or record type that is not a POJO fails instead of using Kryo.
        config.disableGenericTypes();
    }

    /** A keyed harness on embedded RocksDB, opened. */
    static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> rocksDbHarness(
            KeyedProcessFunction<K, IN, OUT> function,
            KeySelector<IN, K> keySelector,
            TypeInformation<K> keyType,
            MockEnvironment environment)
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(function), keySelector, keyType, environment);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        harness.open();
        return harness;
    }

    /** A keyed harness on embedded RocksDB around an operator, opened. */
    static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> rocksDbHarness(
            OneInputStreamOperator<IN, OUT> operator,
            KeySelector<IN, K> keySelector,
            TypeInformation<K> keyType,
            MockEnvironment environment)
            throws Exception {
        return rocksDbHarness(operator, keySelector, keyType, environment, null);
    }

    /** As {@link #rocksDbHarness(OneInputStreamOperator, KeySelector, TypeInformation, MockEnvironment)}, restored. */
    static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> rocksDbHarness(
            OneInputStreamOperator<IN, OUT> operator,
            KeySelector<IN, K> keySelector,
            TypeInformation<K> keyType,
            MockEnvironment environment,
            OperatorSubtaskState restoreFrom)
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(operator, keySelector, keyType, environment);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        return harness;
    }

    /**
     * Keyed RocksDB harnesses a test opens, each with its own captured metrics (in {@link #metrics}, in the order
     * opened); {@link #close} closes them and their environments, newest first.
     */
    static final class Opened implements AutoCloseable {
        final List<CapturedMetrics> metrics = new ArrayList<>();
        private final List<AutoCloseable> closeables = new ArrayList<>();

        <IN, OUT> KeyedOneInputStreamOperatorTestHarness<Long, IN, OUT> keyed(
                OneInputStreamOperator<IN, OUT> operator, KeySelector<IN, Long> key, OperatorSubtaskState restoreFrom)
                throws Exception {
            CapturedMetrics captured = new CapturedMetrics();
            metrics.add(captured);
            MockEnvironment environment = environment(captured);
            closeables.add(environment);
            var harness = rocksDbHarness(operator, key, Types.LONG, environment, restoreFrom);
            closeables.add(harness);
            return harness;
        }

        /** Registers another harness to close with these. */
        void add(AutoCloseable closeable) {
            closeables.add(closeable);
        }

        @Override
        public void close() throws Exception {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
        }
    }

    private static long barriers;

    /**
     * What a checkpoint barrier does before the snapshot ({@code prepareSnapshotPreBarrier}): the bundling operators
     * move their in-memory bundles to pending state and register their timers.
     */
    static void barrier(AbstractStreamOperatorTestHarness<?> harness) throws Exception {
        harness.prepareSnapshotPreBarrier(++barriers);
    }

    static boolean isRocksDb(AbstractStreamOperatorTestHarness<?> harness) {
        return harness.getOperator()
                .getKeyedStateBackend()
                .getClass()
                .getSimpleName()
                .startsWith("RocksDB");
    }

    /** Values of a side output, in emission order (empty when nothing was emitted). */
    static <T> List<T> sideOutput(AbstractStreamOperatorTestHarness<?> harness, OutputTag<T> tag) {
        var records = harness.getSideOutput(tag);
        List<T> values = new ArrayList<>();
        if (records != null) {
            for (StreamRecord<T> record : records) {
                values.add(record.getValue());
            }
        }
        return values;
    }

    static <T> List<StreamRecord<T>> sideOutputRecords(AbstractStreamOperatorTestHarness<?> harness, OutputTag<T> tag) {
        var records = harness.getSideOutput(tag);
        return records == null ? List.of() : new ArrayList<>(records);
    }

    /** Keys that hold an entry of the named keyed state (works on RocksDB, unlike numKeyedStateEntries). */
    @SuppressWarnings("unchecked")
    static <K> List<K> keysWithState(AbstractStreamOperatorTestHarness<?> harness, String stateName) throws Exception {
        flushState(harness);
        KeyedStateBackend<K> backend =
                (KeyedStateBackend<K>) harness.getOperator().getKeyedStateBackend();
        try (Stream<K> keys = backend.getKeys(stateName, VoidNamespace.INSTANCE)) {
            return keys.collect(Collectors.toList());
        }
    }

    /** Total number of (key, state) entries over the named states. */
    static int entries(AbstractStreamOperatorTestHarness<?> harness, String... stateNames) throws Exception {
        int total = 0;
        for (String name : stateNames) {
            total += keysWithState(harness, name).size();
        }
        return total;
    }

    /**
     * The operator's keyed state backend at {@code key}, after the operator has written what it holds only on the heap
     * (write-back copies), as before a checkpoint: the backend is then what a checkpoint would hold.
     */
    @SuppressWarnings("unchecked")
    private static <K> KeyedStateBackend<K> backendAt(AbstractStreamOperatorTestHarness<?> harness, K key)
            throws Exception {
        flushState(harness);
        KeyedStateBackend<K> backend =
                (KeyedStateBackend<K>) harness.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(key);
        return backend;
    }

    /** Lets an operator with write-back copies write them to its keyed state (else nothing). */
    static void flushState(AbstractStreamOperatorTestHarness<?> harness) throws Exception {
        if (harness.getOperator() instanceof WritesBackState writesBack) {
            writesBack.flushState();
        }
    }

    static <K, V> V value(AbstractStreamOperatorTestHarness<?> harness, K key, ValueStateDescriptor<V> descriptor)
            throws Exception {
        ValueState<V> state = backendAt(harness, key)
                .getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
        return state.value();
    }

    static <K, V> List<V> list(AbstractStreamOperatorTestHarness<?> harness, K key, ListStateDescriptor<V> descriptor)
            throws Exception {
        ListState<V> state = backendAt(harness, key)
                .getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
        List<V> values = new ArrayList<>();
        Iterable<V> stored = state.get();
        if (stored != null) {
            stored.forEach(values::add);
        }
        return values;
    }

    static <K, MK, MV> Map<MK, MV> map(
            AbstractStreamOperatorTestHarness<?> harness, K key, MapStateDescriptor<MK, MV> descriptor)
            throws Exception {
        MapState<MK, MV> state = backendAt(harness, key)
                .getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
        Map<MK, MV> values = new HashMap<>();
        for (Map.Entry<MK, MV> entry : state.entries()) {
            values.put(entry.getKey(), entry.getValue());
        }
        return values;
    }

    /** The value of a long accumulator the function registered (0 when absent). */
    static long accumulator(AbstractStreamOperatorTestHarness<?> harness, String name) {
        Accumulator<?, ?> accumulator =
                harness.getEnvironment().getAccumulatorRegistry().getUserMap().get(name);
        return accumulator == null ? 0L : ((Number) accumulator.getLocalValue()).longValue();
    }
}
