package io.freshrec.job;

import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.Recommendations;
import io.freshrec.model.TrendingList;
import io.freshrec.model.UserHistory;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;

/** The serving operator's test model and users, shared by ServingFunctionTest and ServedListOrderTest. */
final class ServingFixtures {
    private ServingFixtures() {}

    /**
     * Top 3 of 5 neighbours, history of 3, cosine, no co-occurrence decay; interest decaying with {@code
     * historyHalfLifeMs} (0: never), users forgotten after {@code userTtlMs}.
     */
    static ModelConfig config(long historyHalfLifeMs, long userTtlMs) {
        ModelConfig config = new ModelConfig();
        config.historyLength = 3;
        config.seenLimit = 10;
        config.neighbours = 5;
        config.topN = 3;
        config.trendingSize = 5;
        config.similarityHalfLifeMs = 0;
        config.historyHalfLifeMs = historyHalfLifeMs;
        config.trendingHalfLifeMs = 1000;
        config.normExponent = 0.5;
        config.popularityBlend = 0.0;
        config.maxStalenessMs = 60_000;
        config.userTtlMs = userTtlMs;
        return config.validate();
    }

    /**
     * {@code function} in the job's serving operator (histories and seen items written back), in a keyed broadcast
     * harness on RocksDB with generic types off, not opened yet.
     */
    static KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness(
            ServingFunction function) throws Exception {
        KeySelector<ProfileUpdate, Long> byUser = profile -> profile.userId;
        var harness = new KeyedBroadcastOperatorTestHarness<>(
                new ServingOperator(function), byUser, Types.LONG, HarnessSupport.MAX_PARALLELISM, 1, 0);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        HarnessSupport.disableGenericTypes(harness.getExecutionConfig());
        return harness;
    }

    static ItemSnapshot item(long id, long versionTime, double norm, long[] neighbours, double[] cooccurrence) {
        ItemSnapshot snapshot = new ItemSnapshot();
        snapshot.item = id;
        snapshot.time = versionTime - 100;
        snapshot.versionTime = versionTime;
        snapshot.norm = norm;
        snapshot.trending = 1.0;
        snapshot.neighbours = neighbours;
        snapshot.cooccurrence = cooccurrence;
        return snapshot;
    }

    static List<ItemSnapshot> modelV1() {
        return List.of(
                item(1, 1000, 4, new long[] {2, 3}, new double[] {2, 1}),
                item(2, 1000, 1, new long[] {1, 4}, new double[] {2, 1}),
                item(3, 1000, 9, new long[] {1}, new double[] {1}),
                item(4, 1000, 1, new long[] {2}, new double[] {1}),
                item(5, 1000, 1, new long[0], new double[0]));
    }

    /** Version 2 (time 2000): item 1 gains a strong neighbour 7; item 7 appears. */
    static List<ItemSnapshot> modelV2() {
        return List.of(
                item(1, 2000, 4, new long[] {7, 2, 3}, new double[] {10, 2, 1}),
                item(7, 2000, 1, new long[0], new double[0]));
    }

    /** Trending {@code items}, scored from their count down to 1. */
    static TrendingList trendingList(long time, long... items) {
        TrendingList list = new TrendingList();
        list.items = items;
        list.scores = new double[items.length];
        for (int i = 0; i < items.length; i++) {
            list.scores[i] = items.length - i;
        }
        list.time = time;
        return list;
    }

    /** A user's history as user-history would send it: items oldest first with their interest. */
    static UserHistory history(long[] items, double[] interests, long time) {
        UserHistory history = new UserHistory();
        history.items = items;
        history.weights = interests;
        history.times = new long[items.length];
        Arrays.fill(history.times, time);
        history.lastEventTime = time;
        history.events = items.length;
        return history;
    }

    static void interact(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness,
            long user,
            long item,
            long time,
            UserHistory history)
            throws Exception {
        harness.processElement(new ProfileUpdate(user, item, time, 0L, history), time);
    }

    static void watermark(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness, long time)
            throws Exception {
        harness.processBroadcastWatermark(time);
        harness.processWatermark(time);
    }
}
