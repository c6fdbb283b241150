package io.freshrec.offline;

import io.freshrec.job.FreshRecState;
import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemState;
import io.freshrec.model.Recommendations;
import io.freshrec.model.SeenItems;
import io.freshrec.model.TrendingList;
import io.freshrec.model.UserHistory;
import io.freshrec.model.UserProfile;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.util.Collector;

/**
 * The job's keyed state, read back with the State Processor API through the job's own descriptors
 * ({@link FreshRecState}): one reader per stateful operator, each emitting one record per key.
 */
public final class StateReaders {
    private StateReaders() {}

    /**
     * One item of {@code item-model}: its state (null while its first updates wait for their version),
     * the size of its co-occurrence map, updates not yet applied.
     */
    public static class ItemRecord {
        public long item;
        public ItemState state;
        public long cooccurrences;
        public int pendingUpdates;

        public ItemRecord() {}
    }

    /** One user of {@code user-history}. */
    public static class UserRecord {
        public long user;
        public UserHistory history;
        public int pendingEvents;

        public UserRecord() {}
    }

    /** One user of {@code serving}; {@code profile.history} is null for a user only waiting to be served. */
    public static class ServingRecord {
        public UserProfile profile;
        public int pendingProfiles;

        public ServingRecord() {}
    }

    /** The {@code model-gate}'s one key: the committed version and trending list, versions still open. */
    public static class GateRecord {
        public long version;
        public TrendingList trending;
        public int pendingVersions;

        public GateRecord() {}
    }

    private static int count(Iterable<?> values) throws Exception {
        int n = 0;
        if (values != null) {
            for (Object ignored : values) {
                n++;
            }
        }
        return n;
    }

    public static final class Items extends KeyedStateReaderFunction<Long, ItemRecord> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<ItemState> item;
        private transient MapState<Long, DecayedValue> cooccurrence;
        private transient ListState<?> pending;

        @Override
        public void open(Configuration parameters) {
            item = getRuntimeContext().getState(FreshRecState.itemState());
            cooccurrence = getRuntimeContext().getMapState(FreshRecState.cooccurrence());
            pending = getRuntimeContext().getListState(FreshRecState.pendingItemUpdates());
        }

        @Override
        public void readKey(Long key, Context context, Collector<ItemRecord> out) throws Exception {
            ItemRecord record = new ItemRecord();
            record.item = key;
            record.state = item.value();
            record.cooccurrences = count(cooccurrence.keys());
            record.pendingUpdates = count(pending.get());
            out.collect(record);
        }
    }

    public static final class Users extends KeyedStateReaderFunction<Long, UserRecord> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<UserHistory> history;
        private transient ListState<?> pending;

        @Override
        public void open(Configuration parameters) {
            history = getRuntimeContext().getState(FreshRecState.userHistory());
            pending = getRuntimeContext().getListState(FreshRecState.pendingEvents());
        }

        @Override
        public void readKey(Long key, Context context, Collector<UserRecord> out) throws Exception {
            UserRecord record = new UserRecord();
            record.user = key;
            record.history = history.value();
            record.pendingEvents = count(pending.get());
            out.collect(record);
        }
    }

    public static final class Serving extends KeyedStateReaderFunction<Long, ServingRecord> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<UserHistory> history;
        private transient ValueState<SeenItems> seen;
        private transient ValueState<Recommendations> recommendations;
        private transient ListState<?> pending;

        @Override
        public void open(Configuration parameters) {
            history = getRuntimeContext().getState(FreshRecState.servingHistory());
            seen = getRuntimeContext().getState(FreshRecState.seenItems());
            recommendations = getRuntimeContext().getState(FreshRecState.recommendations());
            pending = getRuntimeContext().getListState(FreshRecState.pendingProfiles());
        }

        @Override
        public void readKey(Long key, Context context, Collector<ServingRecord> out) throws Exception {
            ServingRecord record = new ServingRecord();
            record.profile = new UserProfile();
            record.profile.user = key;
            record.profile.history = history.value();
            SeenItems items = seen.value();
            record.profile.seen = items == null ? new long[0] : items.items;
            record.profile.served = recommendations.value();
            record.pendingProfiles = count(pending.get());
            out.collect(record);
        }
    }

    public static final class Gate extends KeyedStateReaderFunction<Integer, GateRecord> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<Long> version;
        private transient ValueState<TrendingList> trending;
        private transient MapState<Long, ?> pending;

        @Override
        public void open(Configuration parameters) {
            version = getRuntimeContext().getState(FreshRecState.gateVersion());
            trending = getRuntimeContext().getState(FreshRecState.gateTrending());
            pending = getRuntimeContext().getMapState(FreshRecState.gatePendingTrending());
        }

        @Override
        public void readKey(Integer key, Context context, Collector<GateRecord> out) throws Exception {
            GateRecord record = new GateRecord();
            Long committed = version.value();
            record.version = committed == null ? 0 : committed;
            record.trending = trending.value();
            record.pendingVersions = count(pending.keys());
            out.collect(record);
        }
    }
}
