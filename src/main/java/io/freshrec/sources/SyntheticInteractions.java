package io.freshrec.sources;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * A deterministic synthetic interaction stream: event {@code n} is a pure function of the seed and
 * {@code n}, so any run, any split and any restart produce the same events. Realistic enough to
 * learn from: items belong to taste clusters; popularity within a cluster is Zipf-like; each user
 * mostly follows one cluster, and that taste drifts to another cluster every drift period (at a
 * user-specific phase); the catalogue grows, one new item every {@code newItemEvery} events, and new
 * items get a share of attention; intent (view, click, add-to-cart, purchase) is drawn per event.
 */
public final class SyntheticInteractions implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final double ZIPF_EXPONENT = 1.1;

    private final long seed;
    private final int users;
    private final int items;
    private final int clusters;
    private final long startMs;
    private final double eventsPerSecond;
    private final long driftPeriodMs;
    private final int newItemEvery;
    private final double badRecordRate;

    public SyntheticInteractions(
            long seed,
            int users,
            int items,
            int clusters,
            long startMs,
            double eventsPerSecond,
            long driftPeriodMs,
            int newItemEvery,
            double badRecordRate) {
        if (users < 1
                || items < clusters
                || clusters < 1
                || eventsPerSecond <= 0
                || driftPeriodMs <= 0
                || newItemEvery < 1
                || badRecordRate < 0
                || badRecordRate >= 1) {
            throw new IllegalArgumentException("generator needs users >= 1, items >= clusters >= 1, rate > 0, "
                    + "drift period > 0, new-item-every >= 1 and 0 <= bad-rate < 1");
        }
        this.seed = seed;
        this.users = users;
        this.items = items;
        this.clusters = clusters;
        this.startMs = startMs;
        this.eventsPerSecond = eventsPerSecond;
        this.driftPeriodMs = driftPeriodMs;
        this.newItemEvery = newItemEvery;
        this.badRecordRate = badRecordRate;
    }

    /** Sensible defaults for the embedded demo: 10k users, 5k items, 20 clusters, drift every 10 minutes. */
    public static SyntheticInteractions defaults(
            long seed, int users, int items, double eventsPerSecond, long startMs) {
        return new SyntheticInteractions(seed, users, items, 20, startMs, eventsPerSecond, 10 * 60_000L, 50, 0.0);
    }

    public SyntheticInteractions withBadRecordRate(double rate) {
        return new SyntheticInteractions(
                seed, users, items, clusters, startMs, eventsPerSecond, driftPeriodMs, newItemEvery, rate);
    }

    public int clusters() {
        return clusters;
    }

    /** Event time of the n-th interaction on the synthetic clock. */
    public long timeOf(long n) {
        return startMs + (long) (n * 1000.0 / eventsPerSecond);
    }

    /** The n-th interaction. */
    public Interaction at(long n) {
        return at(n, timeOf(n));
    }

    /** The n-th interaction, happening at {@code time} (a live run stamps events with the wall clock). */
    public Interaction at(long n, long time) {
        SplittableRandom random = new SplittableRandom(mix(seed, n));
        // Activity is skewed: low user ids are more active.
        double u = random.nextDouble();
        long user = 1 + (long) (users * u * u);
        int taste = tasteOf(user, time);
        int cluster = random.nextDouble() < 0.8 ? taste : random.nextInt(clusters);
        long available = Math.min(items, items / 2 + n / newItemEvery);
        long inCluster = Math.max(1, (available - cluster + clusters - 1) / clusters);
        long rank;
        if (random.nextDouble() < 0.1) {
            // New items draw attention: pick among the newest 5% of the cluster.
            long fresh = Math.max(1, inCluster / 20);
            rank = inCluster - 1 - random.nextLong(fresh);
        } else {
            rank = zipfRank(random.nextDouble(), inCluster);
        }
        long item = 1 + rank * clusters + cluster;
        double intent = random.nextDouble();
        EventType type = intent < 0.65
                ? EventType.VIEW
                : intent < 0.88 ? EventType.CLICK : intent < 0.96 ? EventType.ADD_TO_CART : EventType.PURCHASE;
        return new Interaction(user, item, type, Double.NaN, time);
    }

    /** The n-th record as it would arrive on the wire; a fraction are deliberately broken. */
    public String lineAt(long n) {
        return lineAt(n, timeOf(n));
    }

    /** The n-th record, happening at {@code time}. */
    public String lineAt(long n, long time) {
        Interaction event = at(n, time);
        String json = InteractionParser.toJson(event);
        SplittableRandom random = new SplittableRandom(mix(seed ^ 0x5DEECE66DL, n));
        if (badRecordRate > 0 && random.nextDouble() < badRecordRate) {
            switch (random.nextInt(4)) {
                case 0:
                    return json.substring(0, json.length() / 2);
                case 1:
                    return json.replace("\"type\":\"" + event.type.wireName() + "\"", "\"type\":\"teleport\"");
                case 2:
                    return json.replace("\"user\":" + event.userId, "\"user\":\"someone\"");
                default:
                    return json.replace("\"ts\":" + event.timestamp, "\"ts\":-5");
            }
        }
        return json;
    }

    /** The user's taste cluster at {@code time}: changes every drift period at a user-specific phase. */
    public int tasteOf(long user, long time) {
        long phase = Math.floorMod(mix(seed, -user), driftPeriodMs);
        long epoch = Math.floorDiv(time - startMs + phase, driftPeriodMs);
        return (int) Math.floorMod(mix(seed ^ user, epoch), (long) clusters);
    }

    /** The cluster an item belongs to. */
    public int clusterOf(long item) {
        return (int) ((item - 1) % clusters);
    }

    private static long zipfRank(double u, long n) {
        double oneMinusS = 1 - ZIPF_EXPONENT;
        double x = Math.pow((Math.pow(n + 1, oneMinusS) - 1) * u + 1, 1 / oneMinusS);
        return Math.min(n - 1, Math.max(0, (long) x - 1));
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
