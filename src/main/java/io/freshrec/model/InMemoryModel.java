package io.freshrec.model;

import io.freshrec.events.Interaction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole model in one thread's memory, applying the same math as the Flink operators in event
 * order. It is the single-thread ceiling for benchmarks, the engine of offline parameter sweeps, and
 * a {@link ModelView} for scoring. Not used by the streaming job itself.
 */
public final class InMemoryModel implements ModelView {
    private final ModelConfig config;
    private final Scorer scorer;
    private final Map<Long, UserHistory> histories = new HashMap<>();
    private final Map<Long, SeenItems> seen = new HashMap<>();
    private final Map<Long, ItemState> items = new HashMap<>();
    private final Map<Long, Map<Long, DecayedValue>> cooccurrence = new HashMap<>();
    private final TrendingList trending = new TrendingList();
    /** The items as serving reads them (the same structure, kept current as items change). */
    private final CompactModel compact;

    private long events;
    /** Item-side updates held by {@link #defer} until {@link #catchUp}. */
    private final List<Runnable> deferred = new ArrayList<>();

    private static final UserHistory EMPTY_HISTORY = new UserHistory();
    private static final SeenItems EMPTY_SEEN = new SeenItems();

    public InMemoryModel(ModelConfig config) {
        this.config = config;
        this.scorer = new Scorer(config);
        this.compact = new CompactModel(config);
    }

    /** Applies one interaction to every part of the model. */
    public void apply(Interaction event) {
        observe(event, new UserHistory.UpdateSink() {
            @Override
            public void pair(long item, long other, double amount, long time) {
                applyPair(item, other, amount, time);
            }

            @Override
            public void item(long item, double itemWeight, double normIncrement, long time) {
                applyItem(item, itemWeight, normIncrement, time);
            }
        });
    }

    /**
     * Applies the user's side of one interaction (history, seen items) now and holds its item-side updates until
     * {@link #catchUp()}: as the job does, where an interaction reaches the items with the next model version while
     * the user's history has it at once (replays compare the two that way).
     */
    public void defer(Interaction event) {
        observe(event, new UserHistory.UpdateSink() {
            @Override
            public void pair(long item, long other, double amount, long time) {
                deferred.add(() -> applyPair(item, other, amount, time));
            }

            @Override
            public void item(long item, double itemWeight, double normIncrement, long time) {
                deferred.add(() -> applyItem(item, itemWeight, normIncrement, time));
            }
        });
    }

    /** Applies every item-side update {@link #defer} held, in order. */
    public void catchUp() {
        for (Runnable update : deferred) {
            update.run();
        }
        deferred.clear();
    }

    private void observe(Interaction event, UserHistory.UpdateSink sink) {
        double weight = config.weights.weightOf(event);
        histories
                .computeIfAbsent(event.userId, u -> new UserHistory())
                .apply(event.itemId, weight, event.timestamp, config, sink);
        seen.computeIfAbsent(event.userId, u -> new SeenItems()).add(event.itemId, config.seenLimit);
        events++;
    }

    private void applyPair(long item, long other, double amount, long time) {
        ItemState state = itemState(item, time);
        state.advanceTo(time, config);
        DecayedValue value = cooccurrence
                .computeIfAbsent(item, i -> new HashMap<>())
                .computeIfAbsent(other, o -> new DecayedValue());
        value.add(amount, time, config.similarityHalfLifeMs);
        state.offerNeighbour(other, value.valueAt(state.snapshot.time, config.similarityHalfLifeMs), config.neighbours);
        compact.refresh(item);
    }

    private void applyItem(long item, double itemWeight, double normIncrement, long time) {
        ItemState state = itemState(item, time);
        state.addInteraction(itemWeight, normIncrement, time, config);
        compact.refresh(item);
        trending.offer(
                item, state.snapshot.trending, state.snapshot.time, config.trendingSize, config.trendingHalfLifeMs);
    }

    private ItemState itemState(long item, long time) {
        ItemState state = items.get(item);
        if (state == null) {
            state = ItemState.create(item, time);
            items.put(item, state);
            compact.put(item, CompactModel.ALWAYS, state.snapshot, null);
        }
        return state;
    }

    /** Whether the user has interacted before (prequential scoring needs an earlier event). */
    public boolean knowsUser(long userId) {
        return histories.containsKey(userId);
    }

    public boolean hasSeen(long userId, long itemId) {
        SeenItems items = seen.get(userId);
        return items != null && items.contains(itemId);
    }

    public Recommendations recommend(long userId, long now) {
        return scorer.recommend(userId, history(userId), seenBy(userId), view(), now);
    }

    /** The user's recent items (empty for a user never seen). */
    public UserHistory history(long userId) {
        return histories.getOrDefault(userId, EMPTY_HISTORY);
    }

    /** The items the user has seen (empty for a user never seen). */
    public SeenItems seenBy(long userId) {
        return seen.getOrDefault(userId, EMPTY_SEEN);
    }

    /** The items as a scorer reads them. */
    public ModelView view() {
        return compact.at(Long.MAX_VALUE, trending, events);
    }

    @Override
    public ItemSnapshot item(long itemId) {
        ItemState state = items.get(itemId);
        return state == null ? null : state.snapshot;
    }

    @Override
    public TrendingList trending() {
        return trending;
    }

    @Override
    public long version() {
        return events;
    }

    public int users() {
        return histories.size();
    }

    public int itemCount() {
        return items.size();
    }
}
