package io.freshrec.model;

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

    public ItemState() {}

    public static ItemState create(long item, long time) {
        ItemState state = new ItemState();
        state.snapshot.item = item;
        state.snapshot.time = time;
        return state;
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
        ItemSnapshot s = snapshot;
        int n = s.neighbours.length;
        int at = -1;
        for (int i = 0; i < n; i++) {
            if (s.neighbours[i] == other) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            if (n < capacity) {
                s.neighbours = java.util.Arrays.copyOf(s.neighbours, n + 1);
                s.cooccurrence = java.util.Arrays.copyOf(s.cooccurrence, n + 1);
                at = n;
            } else if (n > 0 && ranksBefore(other, value, s.neighbours[n - 1], s.cooccurrence[n - 1])) {
                at = n - 1;
            } else {
                return false;
            }
        }
        s.neighbours[at] = other;
        s.cooccurrence[at] = value;
        // Values only grow, so the entry can only move towards the front.
        while (at > 0 && ranksBefore(s.neighbours[at], s.cooccurrence[at], s.neighbours[at - 1], s.cooccurrence[at - 1])) {
            swap(s, at, at - 1);
            at--;
        }
        while (at < s.neighbours.length - 1
                && ranksBefore(s.neighbours[at + 1], s.cooccurrence[at + 1], s.neighbours[at], s.cooccurrence[at])) {
            swap(s, at, at + 1);
            at++;
        }
        return true;
    }

    /** Stronger first; equal strength: smaller id first (deterministic). */
    public static boolean ranksBefore(long item, double value, long otherItem, double otherValue) {
        return value > otherValue || (value == otherValue && item < otherItem);
    }

    private static void swap(ItemSnapshot s, int a, int b) {
        long item = s.neighbours[a];
        s.neighbours[a] = s.neighbours[b];
        s.neighbours[b] = item;
        double value = s.cooccurrence[a];
        s.cooccurrence[a] = s.cooccurrence[b];
        s.cooccurrence[b] = value;
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
