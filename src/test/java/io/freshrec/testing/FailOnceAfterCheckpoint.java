package io.freshrec.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * A pass-through map that throws once, mid-stream: after a checkpoint has completed and at least {@code after}
 * records passed this subtask. A restarted task must not fail again, so the failure is remembered in this JVM,
 * under a name the test chooses ({@link #failed}).
 */
public final class FailOnceAfterCheckpoint<T> implements MapFunction<T, T>, CheckpointListener {
    private static final long serialVersionUID = 1L;
    /** When each named failure was thrown (wall clock, ms). */
    private static final Map<String, Long> FAILED = new ConcurrentHashMap<>();

    private final String name;
    private final int after;
    private transient boolean checkpointed;
    private transient int seen;

    public FailOnceAfterCheckpoint(String name, int after) {
        this.name = name;
        this.after = after;
    }

    /** Whether the failure named {@code name} was thrown. */
    public static boolean failed(String name) {
        return FAILED.containsKey(name);
    }

    @Override
    public T map(T value) {
        if (checkpointed && ++seen > after && FAILED.putIfAbsent(name, System.currentTimeMillis()) == null) {
            throw new IllegalStateException("injected failure after a completed checkpoint");
        }
        return value;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        checkpointed = true;
    }
}
