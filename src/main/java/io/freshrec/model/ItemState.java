package io.freshrec.model;

import java.util.Arrays;

/**
 * The item-model operator's per-item state: the publishable snapshot (all values as of {@code
 * time}) plus bookkeeping. Neighbour candidates are kept exactly as the top {@code
 * ModelConfig.neighbours} items by decayed co-occurrence: every value at one item decays at the
 * same rate and only grows when updated, so comparing on update is exact and order-independent.
 */
public class ItemState {
    public ItemSnapshot snapshot = new ItemSnapshot();
    public long lastEventTime = Long.MIN_VALUE;
    /** Event time of the last version this item was published in. */
    public long lastVersionTime = Long.MIN_VALUE;

    public long publications;
    /**
     * Entries in the item's co-occurrence map (kept by the item-model operator); -1: not counted yet (state written
     * before the count existed: counted on the item's next update).
     */
    public int cooccurrences = -1;

    public ItemState() {}

    public static ItemState create(long item, long time) {
        ItemState state = new ItemState();
        state.snapshot.item = item;
        state.snapshot.time = time;
        state.cooccurrences = 0;
        return state;
    }

    /**
     * Whether this is what an expired item leaves behind: no neighbours, no popularity, only its
     * decaying norm. Serving has dropped the item (a tombstone was published when it expired).
     */
    public boolean isExpired() {
        return snapshot.neighbours.length == 0 && snapshot.trending == 0.0;
    }

    /** Moves the reference time forward to {@code time}, decaying every stored value. */
    public void advanceTo(long time, ModelConfig config) {
        ItemSnapshot s = snapshot;
        if (time <= s.time) {
            return;
        }
        double similarityFactor = Decay.factor(time - s.time, config.similarityHalfLifeMs);
        s.norm *= similarityFactor;
        for (int i = 0; i < s.cooccurrence.length; i++) {
            s.cooccurrence[i] *= similarityFactor;
        }
        s.trending *= Decay.factor(time - s.time, config.trendingHalfLifeMs);
        s.time = time;
    }

    /** Records an interaction with this item at {@code time}. */
    public void addInteraction(double weight, double normIncrement, long time, ModelConfig config) {
        advanceTo(time, config);
        snapshot.norm += Decay.at(normIncrement, time, snapshot.time, config.similarityHalfLifeMs);
        snapshot.trending += Decay.at(weight, time, snapshot.time, config.trendingHalfLifeMs);
        lastEventTime = Math.max(lastEventTime, time);
    }

    /**
     * Offers {@code other} with its full co-occurrence {@code value} stated at {@code snapshot.time};
     * returns whether the candidate list changed.
     */
    public boolean offerNeighbour(long other, double value, int capacity) {
        if (!(value > 0) || !Double.isFinite(value)) {
            // Nothing in common (e.g. a pair whose history weight decayed to 0.0 over years): not a neighbour, and
            // a snapshot listing it would be refused by the gate, freezing the item at its previous version.
            return false;
        }
        ItemSnapshot s = snapshot;
        int at = Ranking.slot(s.neighbours, s.cooccurrence, other, value, capacity);
        if (at < 0) {
            return false;
        }
        if (at == s.neighbours.length) {
            s.neighbours = Arrays.copyOf(s.neighbours, at + 1);
            s.cooccurrence = Arrays.copyOf(s.cooccurrence, at + 1);
        }
        s.neighbours[at] = other;
        s.cooccurrence[at] = value;
        Ranking.settle(s.neighbours, s.cooccurrence, at);
        return true;
    }

    /**
     * The full co-occurrence with {@code other} when it is one of the neighbour candidates, or null. A candidate's
     * value is its whole decayed co-occurrence stated at {@code snapshot.time} (every change to a pair is offered here
     * as it happens), so it equals the co-occurrence map's entry decayed to that time: reading it here saves the map
     * read for the pairs that change most.
     */
    public DecayedValue knownCooccurrence(long other) {
        long[] neighbours = snapshot.neighbours;
        for (int i = 0; i < neighbours.length; i++) {
            if (neighbours[i] == other) {
                return new DecayedValue(snapshot.cooccurrence[i], snapshot.time);
            }
        }
        return null;
    }

    /** Stronger first; equal strength: smaller id first (deterministic). */
    public static boolean ranksBefore(long item, double value, long otherItem, double otherValue) {
        return Ranking.ranksBefore(item, value, otherItem, otherValue);
    }

    /**
     * A detached copy of the snapshot for the model version at {@code versionTime}, safe to emit while
     * the state keeps changing.
     */
    public ItemSnapshot publish(long versionTime) {
        ItemSnapshot copy = new ItemSnapshot();
        copy.item = snapshot.item;
        copy.time = snapshot.time;
        copy.versionTime = versionTime;
        copy.norm = snapshot.norm;
        copy.trending = snapshot.trending;
        copy.neighbours = snapshot.neighbours.clone();
        copy.cooccurrence = snapshot.cooccurrence.clone();
        lastVersionTime = versionTime;
        publications++;
        return copy;
    }
}
