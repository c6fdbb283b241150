package io.freshrec.model;

import it.unimi.dsi.fastutil.longs.Long2DoubleOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.util.function.LongPredicate;

/**
 * The sequence component of the ensemble: decayed counts of transitions from each of a user's last few items to the
 * item they turn to next. An interaction with item i after recent items j(0) (the newest), j(1), ... adds
 * {@code 1 / (d + 1)} to the transition j(d) -> i for the newest {@link #steps} of them, and the same amount to
 * j(d)'s outgoing and i's incoming totals. A user whose recent items are j(0), j(1), ... is scored
 *
 * <pre>
 *   score(c) = sum over d of  (1 / (d + 1)) * T(j(d), c) / (out(j(d))^alpha * in(c)^(1 - alpha))
 * </pre>
 *
 * <p>with every count decayed to the scoring time (half-life {@code halfLifeMs}; 0: no decay) and {@code alpha} 0.5
 * (cosine-like: a transition shared by two popular items counts for less). Unlike the co-occurrence, the direction
 * matters (what comes <em>after</em> an item), and only the last few steps count. Plain Java: the model's math, kept
 * free of Flink types.
 */
public final class SequenceSignal {
    /** Transitions counted from this many of the user's newest items by default. */
    public static final int DEFAULT_STEPS = 5;

    public static final double ALPHA = 0.5;

    private final int steps;
    private final long halfLifeMs;
    private final Long2ObjectOpenHashMap<Long2ObjectOpenHashMap<DecayedValue>> transitions =
            new Long2ObjectOpenHashMap<>();
    private final Long2ObjectOpenHashMap<DecayedValue> outgoing = new Long2ObjectOpenHashMap<>();
    private final Long2ObjectOpenHashMap<DecayedValue> incoming = new Long2ObjectOpenHashMap<>();

    public SequenceSignal(int steps, long halfLifeMs) {
        if (steps < 1) {
            throw new IllegalArgumentException("sequence steps must be >= 1");
        }
        this.steps = steps;
        this.halfLifeMs = halfLifeMs;
    }

    /** What a transition from the item {@code back} steps before the next one adds (0: the item just before). */
    public static double amount(int back) {
        return 1.0 / (back + 1);
    }

    /**
     * Learns that the user turned to {@code item} at {@code time} after {@code recent} (oldest first, as in {@link
     * UserHistory#items}, without {@code item}'s own entry mattering: a step from an item to itself is skipped).
     */
    public void learn(long[] recent, long item, long time) {
        int back = 0;
        for (int i = recent.length - 1; i >= 0 && back < steps; i--, back++) {
            long from = recent[i];
            if (from == item) {
                continue;
            }
            double amount = amount(back);
            transitions
                    .computeIfAbsent(from, f -> new Long2ObjectOpenHashMap<>())
                    .computeIfAbsent(item, t -> new DecayedValue())
                    .add(amount, time, halfLifeMs);
            outgoing.computeIfAbsent(from, f -> new DecayedValue()).add(amount, time, halfLifeMs);
            incoming.computeIfAbsent(item, t -> new DecayedValue()).add(amount, time, halfLifeMs);
        }
    }

    /**
     * Adds the score of every item some of {@code recent}'s newest {@link #steps} items led to (and for which {@code
     * skip} is false) to {@code scores}, as of {@code now}.
     */
    public void score(long[] recent, long now, LongPredicate skip, Long2DoubleOpenHashMap scores) {
        int back = 0;
        for (int i = recent.length - 1; i >= 0 && back < steps; i--, back++) {
            Long2ObjectOpenHashMap<DecayedValue> row = transitions.get(recent[i]);
            DecayedValue out = outgoing.get(recent[i]);
            if (row == null || out == null) {
                continue;
            }
            double outScale = Math.pow(out.valueAt(Math.max(now, out.time), halfLifeMs), ALPHA);
            if (!(outScale > 0)) {
                continue;
            }
            double stepWeight = amount(back);
            for (Long2ObjectMap.Entry<DecayedValue> entry : row.long2ObjectEntrySet()) {
                long candidate = entry.getLongKey();
                if (skip.test(candidate)) {
                    continue;
                }
                DecayedValue in = incoming.get(candidate);
                double inScale = Math.pow(in.valueAt(Math.max(now, in.time), halfLifeMs), 1 - ALPHA);
                double count = entry.getValue().valueAt(Math.max(now, entry.getValue().time), halfLifeMs);
                if (inScale > 0 && count > 0) {
                    scores.addTo(candidate, stepWeight * count / (outScale * inScale));
                }
            }
        }
    }

    /** Items that have led somewhere. */
    public int sources() {
        return transitions.size();
    }
}
