package io.freshrec.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The order {@link StateKeyOrder} writes in is the order RocksDB itself keeps the job's keys in. */
class StateKeyOrderTest {

    private static final class Nothing extends KeyedProcessFunction<Long, Long, Long> {
        @Override
        public void processElement(Long value, Context ctx, Collector<Long> out) {}
    }

    /** Random keys, negative ones and the extremes included (the sign bit is where signed and byte order differ). */
    private static long[] keys(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] keys = new long[n];
        for (int i = 0; i < n - 4; i++) {
            keys[i] = i % 3 == 0 ? random.nextLong() : random.nextLong(-1000, 100_000);
        }
        keys[n - 4] = 0;
        keys[n - 3] = -1;
        keys[n - 2] = Long.MIN_VALUE;
        keys[n - 1] = Long.MAX_VALUE;
        return Arrays.stream(keys).distinct().toArray();
    }

    // 128 key groups: a one-byte key-group prefix; 1,000: two bytes.
    @ParameterizedTest
    @ValueSource(ints = {128, 1000})
    void shouldOrderKeysAndMapKeysAsRocksDbStoresThem(int maxParallelism) throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<Long, Long, Long> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new Nothing()), x -> x, Types.LONG, maxParallelism, 1, 0)) {
            harness.setStateBackend(new EmbeddedRocksDBStateBackend());
            harness.open();
            @SuppressWarnings("unchecked")
            KeyedStateBackend<Long> backend = (KeyedStateBackend<Long>)
                    (KeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend();

            long[] keys = keys(maxParallelism, 2_000);
            ValueState<Long> value = backend.getPartitionedState(
                    VoidNamespace.INSTANCE,
                    VoidNamespaceSerializer.INSTANCE,
                    new ValueStateDescriptor<>("value", Types.LONG));
            for (long key : keys) {
                backend.setCurrentKey(key);
                value.update(key);
            }
            List<Long> stored;
            try (Stream<Long> iterated = backend.getKeys("value", VoidNamespace.INSTANCE)) {
                stored = iterated.collect(Collectors.toList());
            }
            long[] ordered = keys.clone();
            StateKeyOrder.sortKeys(ordered, ordered.length, maxParallelism);
            assertThat(stored).hasSize(keys.length);
            assertThat(stored).containsExactlyElementsOf(boxed(ordered));
            // Not trivially so: the order is neither the keys' own nor their insertion order.
            long[] signed = keys.clone();
            Arrays.sort(signed);
            assertThat(stored).isNotEqualTo(boxed(signed)).isNotEqualTo(boxed(keys));

            MapState<Long, Long> map = backend.getPartitionedState(
                    VoidNamespace.INSTANCE,
                    VoidNamespaceSerializer.INSTANCE,
                    new MapStateDescriptor<>("map", Types.LONG, Types.LONG));
            backend.setCurrentKey(42L);
            long[] userKeys = keys(maxParallelism + 1, 500);
            for (long userKey : userKeys) {
                map.put(userKey, userKey);
            }
            List<Long> storedUserKeys = new ArrayList<>();
            map.keys().forEach(storedUserKeys::add);
            long[] unsigned = userKeys.clone();
            StateKeyOrder.sortUnsigned(unsigned, unsigned.length);
            assertThat(storedUserKeys).containsExactlyElementsOf(boxed(unsigned));
            assertThat(unsigned).isNotEqualTo(Arrays.stream(userKeys).sorted().toArray());
        }
    }

    private static List<Long> boxed(long[] keys) {
        return Arrays.stream(keys).boxed().collect(Collectors.toList());
    }
}
