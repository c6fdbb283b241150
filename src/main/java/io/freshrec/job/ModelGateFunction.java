package io.freshrec.job;

import io.freshrec.events.DeadLetter;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.TrendingList;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The validation gate between the model operators and serving (parallelism 1, one constant key).
 * Each item snapshot is checked (finite, bounded, consistent); valid ones are forwarded as part of
 * the version being built, invalid ones go to {@link FreshRecState#REJECTED_SNAPSHOTS}. When the
 * watermark passes the end of a publish interval the version is committed with the trending list.
 */
public class ModelGateFunction extends KeyedProcessFunction<Integer, ItemSnapshot, ModelUpdate> {
    private static final long serialVersionUID = 1L;

    private final ModelConfig config;
    private transient ValueState<Long> version;
    private transient ValueState<TrendingList> trending;
    private transient ListState<ItemSnapshot> pendingTrending;
    private transient Counter accepted;
    private transient Counter rejected;
    private volatile long committedVersion;

    public ModelGateFunction(ModelConfig config) {
        this.config = config;
    }

    @Override
    public void open(Configuration parameters) {
        version = getRuntimeContext().getState(FreshRecState.gateVersion());
        trending = getRuntimeContext().getState(FreshRecState.gateTrending());
        pendingTrending = getRuntimeContext().getListState(FreshRecState.gatePendingTrending());
        accepted = getRuntimeContext().getMetricGroup().counter("snapshotsAccepted");
        rejected = getRuntimeContext().getMetricGroup().counter("snapshotsRejected");
        getRuntimeContext().getMetricGroup().gauge("modelVersion", () -> committedVersion);
    }

    @Override
    public void processElement(ItemSnapshot snapshot, Context ctx, Collector<ModelUpdate> out) throws Exception {
        String problem = snapshot.problem(config.neighbours);
        if (problem != null) {
            rejected.inc();
            ctx.output(FreshRecState.REJECTED_SNAPSHOTS,
                    new DeadLetter("invalid-snapshot: " + problem, snapshot.toString(), System.currentTimeMillis()));
            return;
        }
        long publishTime = snapshot.versionTime;
        // Deltas are identified by their version time; numbers are given when versions commit.
        out.collect(ModelUpdate.item(0, publishTime, snapshot));
        accepted.inc();
        // The trending list of a version counts only snapshots of that version or earlier.
        ItemSnapshot popularity = new ItemSnapshot();
        popularity.item = snapshot.item;
        popularity.time = snapshot.time;
        popularity.versionTime = snapshot.versionTime;
        popularity.trending = snapshot.trending;
        popularity.norm = snapshot.norm;
        pendingTrending.add(popularity);
        ctx.timerService().registerEventTimeTimer(publishTime);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ModelUpdate> out) throws Exception {
        long next = currentVersion() + 1;
        version.update(next);
        committedVersion = next;
        TrendingList list = trending.value();
        if (list == null) {
            list = new TrendingList();
        }
        List<ItemSnapshot> later = new ArrayList<>();
        for (ItemSnapshot snapshot : pendingTrending.get()) {
            if (snapshot.versionTime > timestamp) {
                later.add(snapshot);
            } else if (snapshot.isTombstone()) {
                list = withoutItem(list, snapshot.item);
            } else {
                list.offer(snapshot.item, snapshot.trending, snapshot.time, config.trendingSize, config.trendingHalfLifeMs);
            }
        }
        pendingTrending.update(later);
        trending.update(list);
        out.collect(ModelUpdate.commit(next, timestamp, list.copy()));
    }

    private long currentVersion() throws Exception {
        Long current = version.value();
        committedVersion = current == null ? 0L : current;
        return committedVersion;
    }

    private static TrendingList withoutItem(TrendingList list, long item) {
        TrendingList copy = new TrendingList();
        copy.time = list.time;
        int n = 0;
        copy.items = new long[list.items.length];
        copy.scores = new double[list.scores.length];
        for (int i = 0; i < list.items.length; i++) {
            if (list.items[i] != item) {
                copy.items[n] = list.items[i];
                copy.scores[n++] = list.scores[i];
            }
        }
        copy.items = java.util.Arrays.copyOf(copy.items, n);
        copy.scores = java.util.Arrays.copyOf(copy.scores, n);
        return copy;
    }
}
