package io.freshrec.job;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.job.edges.EdgeTypes;
import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ItemState;
import io.freshrec.model.QualityBreaker;
import io.freshrec.model.Recommendations;
import io.freshrec.model.SeenItems;
import io.freshrec.model.TrendingList;
import io.freshrec.model.UserHistory;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.OutputTag;

/**
 * Every operator id, state descriptor and side output of the job, declared once with explicit
 * types, shared by the functions, the lookup client and the tests. Changing a uid or a state name
 * breaks restores from earlier savepoints.
 */
public final class FreshRecState {
    private FreshRecState() {}

    /** Stable operator uids; each operator's name equals its uid. */
    public static final class Uid {
        public static final String PARSE = "parse";
        public static final String WATERMARKS = "watermarks";
        public static final String USER_HISTORY = "user-history";
        public static final String ITEM_MODEL = "item-model";
        public static final String MODEL_GATE = "model-gate";
        public static final String SERVING = "serving";
        public static final String DEAD_LETTER_SINK = "dead-letter-sink";
        public static final String RECOMMENDATION_SINK = "recommendation-sink";
        public static final String QUALITY_ALERT_SINK = "quality-alert-sink";
        /** Only with freshrec.redis.url; stateless, so it may come and go between restores. */
        public static final String REDIS_SINK = "redis-sink";

        private Uid() {}
    }

    /** Queryable state names clients look up. */
    public static final String QUERYABLE_RECOMMENDATIONS = "recommendations";

    public static final String QUERYABLE_SIMILAR_ITEMS = "similar-items";

    public static final TypeInformation<Interaction> INTERACTION = TypeInformation.of(Interaction.class);
    public static final TypeInformation<DeadLetter> DEAD_LETTER = TypeInformation.of(DeadLetter.class);
    /**
     * POJO types of records that are also state (ItemUpdate, ProfileUpdate, ItemSnapshot): kept for the state
     * descriptors so savepoints restore. Stream edges use {@link EdgeTypes} instead.
     */
    public static final TypeInformation<ItemUpdate> ITEM_UPDATE = TypeInformation.of(ItemUpdate.class);

    public static final TypeInformation<ProfileUpdate> PROFILE_UPDATE = TypeInformation.of(ProfileUpdate.class);
    public static final TypeInformation<ItemSnapshot> ITEM_SNAPSHOT = TypeInformation.of(ItemSnapshot.class);
    public static final TypeInformation<ModelUpdate> MODEL_UPDATE = TypeInformation.of(ModelUpdate.class);
    public static final TypeInformation<Recommendations> RECOMMENDATIONS = TypeInformation.of(Recommendations.class);
    public static final TypeInformation<QualityAlert> QUALITY_ALERT = TypeInformation.of(QualityAlert.class);
    public static final TypeInformation<QualityBreaker> QUALITY_BREAKER = TypeInformation.of(QualityBreaker.class);

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", DEAD_LETTER);
    // Stream edges with hand-written serializers (EdgeTypes); the POJO constants above stay the state types.
    public static final OutputTag<ProfileUpdate> PROFILE_UPDATES =
            new OutputTag<>("profile-updates", EdgeTypes.PROFILE_UPDATE);
    public static final OutputTag<ItemSnapshot> MODEL_DELTAS = new OutputTag<>("model-deltas", EdgeTypes.ITEM_SNAPSHOT);
    public static final OutputTag<DeadLetter> REJECTED_SNAPSHOTS = new OutputTag<>("rejected-snapshots", DEAD_LETTER);
    public static final OutputTag<QualityAlert> QUALITY_ALERTS = new OutputTag<>("quality-alerts", QUALITY_ALERT);

    // user-history
    public static ValueStateDescriptor<UserHistory> userHistory() {
        return new ValueStateDescriptor<>("history", TypeInformation.of(UserHistory.class));
    }

    public static ListStateDescriptor<Interaction> pendingEvents() {
        return new ListStateDescriptor<>("pending-events", INTERACTION);
    }

    // item-model
    public static ValueStateDescriptor<ItemState> itemState() {
        ValueStateDescriptor<ItemState> descriptor =
                new ValueStateDescriptor<>("item", TypeInformation.of(ItemState.class));
        descriptor.setQueryable(QUERYABLE_SIMILAR_ITEMS);
        return descriptor;
    }

    public static MapStateDescriptor<Long, DecayedValue> cooccurrence() {
        return new MapStateDescriptor<>("cooccurrence", Types.LONG, TypeInformation.of(DecayedValue.class));
    }

    public static ListStateDescriptor<ItemUpdate> pendingItemUpdates() {
        return new ListStateDescriptor<>("pending-updates", ITEM_UPDATE);
    }

    // model-gate
    public static ValueStateDescriptor<Long> gateVersion() {
        return new ValueStateDescriptor<>("version", Types.LONG);
    }

    public static ValueStateDescriptor<TrendingList> gateTrending() {
        return new ValueStateDescriptor<>("trending", TypeInformation.of(TrendingList.class));
    }

    public static ValueStateDescriptor<Long> gateSweptUpTo() {
        return new ValueStateDescriptor<>("swept-up-to", Types.LONG);
    }

    /** Trending contributions by version time; RocksDB iterates Long keys in ascending order. */
    public static MapStateDescriptor<Long, TrendingBatch> gatePendingTrending() {
        return new MapStateDescriptor<>("pending-trending", Types.LONG, TypeInformation.of(TrendingBatch.class));
    }

    // serving: broadcast model
    public static final MapStateDescriptor<Long, ItemVersions> MODEL_ITEMS =
            new MapStateDescriptor<>("model-items", Types.LONG, TypeInformation.of(ItemVersions.class));
    public static final MapStateDescriptor<Integer, ModelVersion> MODEL_VERSION =
            new MapStateDescriptor<>("model-version", Types.INT, TypeInformation.of(ModelVersion.class));

    // serving: per user
    public static ValueStateDescriptor<Recommendations> recommendations() {
        ValueStateDescriptor<Recommendations> descriptor =
                new ValueStateDescriptor<>("recommendations", RECOMMENDATIONS);
        descriptor.setQueryable(QUERYABLE_RECOMMENDATIONS);
        return descriptor;
    }

    public static ValueStateDescriptor<UserHistory> servingHistory() {
        return new ValueStateDescriptor<>("served-history", TypeInformation.of(UserHistory.class));
    }

    public static ListStateDescriptor<ProfileUpdate> pendingProfiles() {
        return new ListStateDescriptor<>("pending-profiles", PROFILE_UPDATE);
    }

    public static ValueStateDescriptor<SeenItems> seenItems() {
        return new ValueStateDescriptor<>("seen", TypeInformation.of(SeenItems.class));
    }
}
