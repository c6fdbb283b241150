package io.freshrec.job;

import io.freshrec.events.DeadLetter;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.TrendingList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The validation gate between the model operators and serving (parallelism 1, one constant key).
 * Each item snapshot is checked (finite, bounded, consistent); valid ones are forwarded as part of
 * the version being built, invalid ones go to {@link FreshRecState#REJECTED_SNAPSHOTS}. When the
 * watermark passes the end of a publish interval the version is committed with the trending list.
 */
public class ModelGateFunction extends KeyedProcessFunction<Integer, ItemSnapshot, ModelUpdate>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final ModelConfig config;
    private transient ValueState<Long> version;
    private transient ValueState<TrendingList> trending;
    private transient MapState<Long, TrendingBatch> pendingTrending;
    /**
     * The batches of {@code pendingTrending} being built, by version time, written back when a checkpoint is
     * taken, so a version's batch is written to RocksDB once rather than once per snapshot.
     */
    private transient Map<Long, TrendingBatch> openBatches;

    private transient ValueState<Long> sweptUpTo;
    private transient Counter accepted;
    private transient Counter rejected;
    /** The newest committed version, for the gauge (restored with the job: a restored model shows its version). */
    private transient CheckpointedCount committedVersion;

    public ModelGateFunction(ModelConfig config) {
        this.config = config;
    }

    @Override
    public void open(Configuration parameters) {
        version = getRuntimeContext().getState(FreshRecState.gateVersion());
        trending = getRuntimeContext().getState(FreshRecState.gateTrending());
        pendingTrending = getRuntimeContext().getMapState(FreshRecState.gatePendingTrending());
        sweptUpTo = getRuntimeContext().getState(FreshRecState.gateSweptUpTo());
        openBatches = new HashMap<>();
        accepted = getRuntimeContext().getMetricGroup().counter(MetricNames.SNAPSHOTS_ACCEPTED);
        rejected = getRuntimeContext().getMetricGroup().counter(MetricNames.SNAPSHOTS_REJECTED);
        getRuntimeContext().getMetricGroup().gauge(MetricNames.MODEL_VERSION, () -> committedVersion.get());
    }

    @Override
    public void processElement(ItemSnapshot snapshot, Context ctx, Collector<ModelUpdate> out) throws Exception {
        String problem = snapshot.problem(config.neighbours);
        if (problem != null) {
            rejected.inc();
            ctx.output(
                    FreshRecState.REJECTED_SNAPSHOTS,
                    new DeadLetter("invalid-snapshot: " + problem, snapshot.toString(), System.currentTimeMillis()));
            return;
        }
        long publishTime = snapshot.versionTime;
        // Deltas are identified by their version time; numbers are given when versions commit.
        out.collect(ModelUpdate.item(0, publishTime, snapshot));
        accepted.inc();
        // The trending list of a version counts only snapshots of that version or earlier.
        TrendingBatch batch = openBatches.get(publishTime);
        if (batch == null) {
            batch = pendingTrending.get(publishTime);
            if (batch == null) {
                batch = new TrendingBatch();
            }
            openBatches.put(publishTime, batch);
        }
        batch.add(snapshot.item, snapshot.trending, snapshot.time, snapshot.isTombstone());
        ctx.timerService().registerEventTimeTimer(publishTime);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ModelUpdate> out) throws Exception {
        // Commit every version the watermark has passed, in order, in this one call (a replay passes
        // many at once); the later timers of this batch then find nothing left to commit.
        long watermark = ctx.timerService().currentWatermark();
        Long swept = sweptUpTo.value();
        // The end of a finite input (Long.MAX_VALUE) is not remembered, and ignored where a savepoint holds it:
        // a job restored after it (--keep-running, rollback) starts a new watermark and must commit again.
        if (swept != null && swept != Long.MAX_VALUE && timestamp <= swept) {
            return; // committed by the sweep of an earlier timer at this watermark
        }
        if (watermark == Long.MAX_VALUE) {
            sweptUpTo.clear();
        } else {
            sweptUpTo.update(watermark);
        }
        Set<Long> dueSet = new HashSet<>();
        for (Long versionTime : pendingTrending.keys()) {
            // Keys only: later versions' contributions are not read.
            if (versionTime <= watermark) {
                dueSet.add(versionTime);
            }
        }
        for (Long versionTime : openBatches.keySet()) {
            if (versionTime <= watermark) {
                dueSet.add(versionTime);
            }
        }
        List<Long> due = new ArrayList<>(dueSet);
        if (due.isEmpty()) {
            return;
        }
        due.sort(null);
        TrendingList list = trending.value();
        if (list == null) {
            list = new TrendingList();
        }
        long number = currentVersion();
        for (int v = 0; v < due.size(); v++) {
            TrendingBatch open = openBatches.remove(due.get(v));
            TrendingBatch batch = open != null ? open.trimmed() : pendingTrending.get(due.get(v));
            for (int i = 0; i < batch.items.length; i++) {
                if (batch.tombstones[i]) {
                    list.remove(batch.items[i]);
                } else {
                    list.offer(
                            batch.items[i],
                            batch.trending[i],
                            batch.times[i],
                            config.trendingSize,
                            config.trendingHalfLifeMs);
                }
            }
            pendingTrending.remove(due.get(v));
            number++;
            out.collect(ModelUpdate.commit(number, due.get(v), list.copy()));
        }
        version.update(number);
        committedVersion.set(number);
        trending.update(list);
    }

    private long currentVersion() throws Exception {
        Long current = version.value();
        long number = current == null ? 0L : current;
        committedVersion.set(number);
        return number;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        committedVersion = CheckpointedCount.max(context, "committed-version");
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        // Keyed state written here is in this checkpoint. The key is the gate's one constant key: batches
        // are only opened while processing an element, which sets it.
        for (Map.Entry<Long, TrendingBatch> open : openBatches.entrySet()) {
            pendingTrending.put(open.getKey(), open.getValue().trimmed());
        }
        committedVersion.snapshot();
    }
}
