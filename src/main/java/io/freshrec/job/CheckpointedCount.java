package io.freshrec.job;

import java.util.List;
import java.util.function.LongBinaryOperator;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;

/**
 * A figure of one subtask (users held, items held, the committed model version) kept in operator list state,
 * so the gauges built on it show the restored model after a restore or a rollback instead of starting at zero.
 * Each subtask writes one element; a restore at another parallelism hands each element to one subtask, so
 * sums (counts) and maxima (versions) over subtasks stay right.
 */
final class CheckpointedCount {
    private final ListState<Long> state;
    private volatile long value;

    private CheckpointedCount(ListState<Long> state, long value) {
        this.state = state;
        this.value = value;
    }

    /** Restores the sum of the elements this subtask was given (0 on a fresh start). */
    static CheckpointedCount sum(FunctionInitializationContext context, String name) throws Exception {
        return restore(context, name, Long::sum);
    }

    /** Restores the largest of the elements this subtask was given (0 on a fresh start). */
    static CheckpointedCount max(FunctionInitializationContext context, String name) throws Exception {
        return restore(context, name, Math::max);
    }

    private static CheckpointedCount restore(
            FunctionInitializationContext context, String name, LongBinaryOperator combine) throws Exception {
        ListState<Long> state =
                context.getOperatorStateStore().getListState(new ListStateDescriptor<>(name, Types.LONG));
        long value = 0;
        for (Long element : state.get()) {
            value = combine.applyAsLong(value, element);
        }
        return new CheckpointedCount(state, value);
    }

    long get() {
        return value;
    }

    void set(long newValue) {
        value = newValue;
    }

    void add(long delta) {
        value += delta;
    }

    void snapshot() throws Exception {
        state.update(List.of(value));
    }
}
