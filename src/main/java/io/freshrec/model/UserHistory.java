package io.freshrec.model;

import java.util.Arrays;

/**
 * A user's most recent distinct items with the decayed weight of their interest, oldest first.
 * A Flink POJO (state of the user-history operator, payload of profile updates).
 */
public class UserHistory {
    public long[] items = new long[0];
    public double[] weights = new double[0];
    /** Time of the last interaction with each item; weights are as of that time. */
    public long[] times = new long[0];

    public long lastEventTime;
    public long events;
    /** Events the user may still add now under the rate limit ({@link UserRateLimit}), as of {@link #rateTime}. */
    public double rateAllowance;
    /** Event time the allowance is stated at; Long.MIN_VALUE: never limited yet (a full allowance). */
    public long rateTime = Long.MIN_VALUE;

    public UserHistory() {}

    /** Receives the model updates one interaction causes. */
    public interface UpdateSink {
        /** The co-occurrence of {@code item} and {@code other} grew by {@code amount}. */
        void pair(long item, long other, double amount, long time);

        /** {@code item} was interacted with: its squared norm grew by {@code normIncrement}. */
        void item(long item, double weight, double normIncrement, long time);
    }

    public int size() {
        return items.length;
    }

    public int indexOf(long item) {
        for (int i = 0; i < items.length; i++) {
            if (items[i] == item) {
                return i;
            }
        }
        return -1;
    }

    /** The interest in history entry {@code index} as of {@code now}. */
    public double weightAt(int index, long now, long halfLifeMs) {
        return Decay.at(weights[index], times[index], Math.max(now, times[index]), halfLifeMs);
    }

    /**
     * Applies one interaction of weight {@code weight} with {@code item} at {@code time}: pairs it
     * with every other recent item (both directions, amount = weight x their current interest), grows
     * the item's norm by the change of the squared interest, and moves the item to the newest end.
     */
    public void apply(long item, double weight, long time, ModelConfig config, UpdateSink sink) {
        long halfLife = config.historyHalfLifeMs;
        int existing = indexOf(item);
        for (int i = 0; i < items.length; i++) {
            if (i == existing) {
                continue;
            }
            double amount = weight * weightAt(i, time, halfLife);
            if (amount > 0) {
                sink.pair(item, items[i], amount, time);
                sink.pair(items[i], item, amount, time);
            }
        }
        double before = existing >= 0 ? weightAt(existing, time, halfLife) : 0.0;
        double after = before + weight;
        sink.item(item, weight, after * after - before * before, time);

        if (existing >= 0) {
            remove(existing);
        } else if (items.length >= config.historyLength) {
            remove(0);
        }
        items = Arrays.copyOf(items, items.length + 1);
        weights = Arrays.copyOf(weights, weights.length + 1);
        times = Arrays.copyOf(times, times.length + 1);
        items[items.length - 1] = item;
        weights[weights.length - 1] = after;
        times[times.length - 1] = time;
        lastEventTime = Math.max(lastEventTime, time);
        events++;
    }

    private void remove(int index) {
        items = Ranking.without(items, index);
        weights = Ranking.without(weights, index);
        times = Ranking.without(times, index);
    }

    public UserHistory copy() {
        UserHistory copy = new UserHistory();
        copy.items = items.clone();
        copy.weights = weights.clone();
        copy.times = times.clone();
        copy.lastEventTime = lastEventTime;
        copy.events = events;
        copy.rateAllowance = rateAllowance;
        copy.rateTime = rateTime;
        return copy;
    }
}
