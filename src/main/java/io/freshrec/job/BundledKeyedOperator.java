package io.freshrec.job;

import io.freshrec.model.NewIdRateAlert;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.Preconditions;

/**
 * A keyed operator that buffers its input per key in memory until the watermark makes it due, then applies each key's
 * due records in one call: one read and one write of the key's state per watermark step, however many records the
 * key received (like Flink SQL's mini-batch operators).
 *
 * <p>Nothing is lost and restores are exact: before every checkpoint barrier, and whenever the bundle reaches its
 * bound, the bundle is appended to the key's {@code pending} list state with one event-time timer per key and due
 * time, which is how the former process functions kept every record. A timer that fires takes the key's pending
 * records and bundled ones together, so the two never apply out of order. Timers live in the timer service {@value
 * #TIMERS} with the void namespace, like {@code KeyedProcessOperator}'s, so timers in savepoints of the former
 * {@code KeyedProcessFunction}s fire here.
 *
 * <p>Keys are {@code Long} (users, items).
 */
abstract class BundledKeyedOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, Triggerable<Long, VoidNamespace>, WritesBackState {
    private static final long serialVersionUID = 1L;
    /** {@code KeyedProcessOperator}'s timer service: same name and namespace, so old timers restore here. */
    static final String TIMERS = "user-timers";

    /**
     * Default bound of a bundle, in records: item-model holds about half a second of item updates (a publish interval
     * plus the watermark's lag), which at 25,000 events/s and a history of 8 is up to ~100,000 updates of ~200 bytes
     * per subtask: ~20 MB of heap, against a 3 GB TaskManager.
     */
    static final int DEFAULT_MAX_BUNDLE_SIZE = 100_000;

    /**
     * Default heap per subtask of each keyed model operator for copies of its recently used keys' state
     * ({@link CachedValueState}, {@link CooccurrenceCache}): at most ~200 MB per slot with the three operators, against
     * a 3 GB TaskManager with two slots.
     */
    static final long DEFAULT_CACHE_BYTES = 64L << 20;

    /** How often the new-id rate is checked (wall clock). */
    static final long NEW_ID_CHECK_MS = 5_000;

    private final int maxBundleSize;
    protected transient InternalTimerService<VoidNamespace> timers;
    private transient ListState<IN> pending;
    private transient KeyedBundle<IN> bundle;
    private transient StreamRecord<OUT> reuse;
    private transient Counter spilledRecords;
    /** The last watermark, for the lag gauge (read by the metrics thread). */
    private transient volatile long watermarkSeen;

    BundledKeyedOperator(int maxBundleSize) {
        Preconditions.checkArgument(maxBundleSize >= 1, "the bundle bound must be at least 1, was %s", maxBundleSize);
        this.maxBundleSize = maxBundleSize;
    }

    /** The list state that holds a key's records across checkpoints (the former function's pending list). */
    protected abstract ListStateDescriptor<IN> pendingDescriptor();

    /** When a record read back from pending state is due (the field its former function's timer was set from). */
    protected abstract long dueTime(IN record);

    /** Called as a record leaves the bundle (to be applied or spilled): records its due time where it keeps it. */
    protected void assignDueTime(IN record, long due) {}

    /** Applies the current key's due records (not empty, in arrival order). */
    protected abstract void applyDue(List<IN> due) throws Exception;

    /** A timer of the current key found nothing due; {@code waiting}: the key still has records for later. */
    protected abstract void onTimerWithNothingDue(long timestamp, boolean waiting) throws Exception;

    @Override
    public void open() throws Exception {
        super.open();
        timers = getInternalTimerService(TIMERS, VoidNamespaceSerializer.INSTANCE, this);
        pending = getPartitionedState(pendingDescriptor());
        bundle = new KeyedBundle<>();
        reuse = new StreamRecord<>(null);
        spilledRecords = getMetricGroup().counter(MetricNames.SPILLED_RECORDS);
        getMetricGroup().gauge(MetricNames.BUNDLED_RECORDS, () -> bundle.size());
        watermarkSeen = Long.MIN_VALUE;
        getMetricGroup().gauge(MetricNames.WATERMARK_LAG_MS, () -> {
            long watermark = watermarkSeen;
            return watermark == Long.MIN_VALUE ? -1L : Math.max(0L, System.currentTimeMillis() - watermark);
        });
    }

    /**
     * Raises a new-id alert (a line on standard error, counted in {@code newIdAlerts}) when ids counted by {@code
     * created} arrive faster than {@code perSecond} job-wide over a minute; 0: never. One subtask speaks for the job and
     * estimates the job's rate as its own times the parallelism (keys are spread evenly by hash).
     */
    protected final void alertOnNewIds(Counter created, String what, int perSecond) {
        if (perSecond <= 0 || getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
            return;
        }
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        NewIdRateAlert alert = new NewIdRateAlert(what, perSecond);
        Counter alerts = getMetricGroup().counter(MetricNames.NEW_ID_ALERTS);
        getProcessingTimeService()
                .scheduleWithFixedDelay(
                        now -> {
                            // (now: the processing-time service's clock, the wall clock outside tests)
                            String line = alert.check(created.getCount() * parallelism, now);
                            if (line != null) {
                                alerts.inc();
                                System.err.println(line);
                            }
                        },
                        NEW_ID_CHECK_MS,
                        NEW_ID_CHECK_MS);
    }

    protected final long currentWatermark() {
        return timers.currentWatermark();
    }

    protected final long currentKey() {
        return (Long) getCurrentKey();
    }

    /** Buffers a record of the current key until the watermark reaches {@code due}. */
    protected final void buffer(IN record, long due) throws Exception {
        bundle.add(currentKey(), record, due);
        if (bundle.size() >= maxBundleSize) {
            Object key = getCurrentKey();
            spill();
            setCurrentKey(key);
        }
    }

    protected final void emit(OUT value, long timestamp) {
        output.collect(reuse.replace(value, timestamp));
    }

    protected final <X> void emit(OutputTag<X> tag, X value, long timestamp) {
        output.collect(tag, new StreamRecord<>(value, timestamp));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        long watermark = mark.getTimestamp();
        watermarkSeen = watermark;
        // Keys with spilled records (and expiry timers) first: their timers take the key's bundled records too.
        timeServiceManager.advanceWatermark(mark);
        List<Long> keys = bundle.keysDueBy(watermark);
        if (!keys.isEmpty()) {
            List<IN> due = new ArrayList<>();
            for (long key : inKeyOrder(keys)) {
                setCurrentKey(key);
                due.clear();
                bundle.takeDue(key, watermark, (record, at) -> take(record, at, due));
                applyDue(due);
            }
            // Expiry timers registered just now at or before the watermark fire in this step, as they did when
            // every record had its own timer.
            timeServiceManager.advanceWatermark(mark);
        }
        output.emitWatermark(mark);
        if (bundle.size() >= maxBundleSize) {
            spill();
        }
    }

    /**
     * The keys in the state backend's key order, so that the state each one writes reaches RocksDB in order (cheaper
     * inserts: {@link StateKeyOrder}); the bundle's own order is a hash map's, so nothing depended on it.
     */
    private long[] inKeyOrder(Collection<Long> keys) {
        long[] ordered = new long[keys.size()];
        int i = 0;
        for (Long key : keys) {
            ordered[i++] = key;
        }
        StateKeyOrder.sortKeys(
                ordered, ordered.length, getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks());
        return ordered;
    }

    private void take(IN record, long due, List<IN> out) {
        assignDueTime(record, due);
        out.add(record);
    }

    @Override
    public void onEventTime(InternalTimer<Long, VoidNamespace> timer) throws Exception {
        long watermark = timers.currentWatermark();
        long key = timer.getKey();
        List<IN> due = new ArrayList<>();
        Iterable<IN> stored = pending.get();
        boolean hadStored = false;
        if (stored != null) {
            for (IN record : stored) {
                hadStored = true;
                long at = dueTime(record);
                if (at <= watermark) {
                    due.add(record);
                } else {
                    // Not due yet: back to memory (spilled again at the next barrier, with its timer).
                    bundle.add(key, record, at);
                }
            }
        }
        if (hadStored) {
            pending.clear();
        }
        bundle.takeDue(key, watermark, (record, at) -> take(record, at, due));
        if (!due.isEmpty()) {
            applyDue(due);
        } else {
            onTimerWithNothingDue(timer.getTimestamp(), bundle.holds(key));
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<Long, VoidNamespace> timer) {
        // No processing-time timers: neither this operator nor the former functions register any.
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        spill();
    }

    /**
     * Written-back state reaches the keyed state here, in the checkpoint's synchronous phase, after the barrier has
     * gone downstream (the spill cannot wait: the timers it registers are snapshotted before this is called), so
     * the operators downstream do not wait for it.
     */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        flushState();
        super.snapshotState(context);
    }

    @Override
    public void finish() throws Exception {
        flushState();
        super.finish();
    }

    /** Writes state held only on the heap (written-back copies) to the keyed state; by default there is none. */
    @Override
    public void flushState() throws Exception {}

    /**
     * Moves the bundle to pending state: one append per key, one timer per key and due time (the timer service keeps
     * one timer per key and time), so a restored job applies the records as the former functions did.
     */
    private void spill() throws Exception {
        if (bundle.isEmpty()) {
            return;
        }
        int records = bundle.size();
        Map<Long, KeyedBundle.Entries<IN>> drained = bundle.drain();
        for (long key : inKeyOrder(drained.keySet())) {
            setCurrentKey(key);
            KeyedBundle.Entries<IN> entries = drained.get(key);
            List<IN> spilled = new ArrayList<>(entries.size());
            long[] times = new long[entries.size()];
            for (int i = 0; i < entries.size(); i++) {
                IN record = entries.record(i);
                assignDueTime(record, entries.due(i));
                spilled.add(record);
                times[i] = entries.due(i);
            }
            pending.addAll(spilled);
            Arrays.sort(times);
            for (int i = 0; i < times.length; i++) {
                if (i == 0 || times[i] != times[i - 1]) {
                    timers.registerEventTimeTimer(VoidNamespace.INSTANCE, times[i]);
                }
            }
        }
        spilledRecords.inc(records);
    }
}
