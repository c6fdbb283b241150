package io.freshrec.model;

import java.io.Serializable;
import java.time.Duration;

/**
 * Every knob of the online model. Plain Java so the model math, the Flink job and the Flink ML
 * servable share it; the job fills it from {@code flink-conf/config.yaml} and flags.
 */
public final class ModelConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Recent items kept per user: pair window for co-occurrence and the basis of scoring. */
    public int historyLength = 8;
    /** Items remembered per user to exclude from recommendations. */
    public int seenLimit = 1000;
    /** Neighbour candidates kept per item, by decayed co-occurrence. */
    public int neighbours = 50;
    /** Length of each served recommendation list. */
    public int topN = 20;
    /** Size of the global trending list (cold start and blending). */
    public int trendingSize = 100;

    /** Half-life of co-occurrence and item norms (event time); 0 = no decay. */
    public long similarityHalfLifeMs = Duration.ofDays(730).toMillis();
    /** Half-life of a user's interest in an item of their history (event time); 0 = no decay. */
    public long historyHalfLifeMs = Duration.ofMinutes(15).toMillis();
    /** Half-life of trending popularity (event time). */
    public long trendingHalfLifeMs = Duration.ofDays(3).toMillis();

    /**
     * Normalisation exponent: sim(j, c) = C(j, c) / (N(j)^alpha * N(c)^(1 - alpha)). 0.5 is
     * cosine; larger values penalise popular candidates less.
     */
    public double normExponent = 0.8;
    /** Weight of normalised trending popularity added to every candidate's score. */
    public double popularityBlend = 0.0;

    /** Event-time interval at which changed items are published to serving as a new version. */
    public long publishIntervalMs = 200;
    /** A served list older than this (event time) is refreshed before the user's next event is scored. */
    public long maxStalenessMs = Duration.ofMinutes(1).toMillis();
    /** Users idle this long (event time) are forgotten; timers clean their state. */
    public long userTtlMs = Duration.ofDays(365).toMillis();
    /** Items idle this long (event time) are forgotten. */
    public long itemTtlMs = Duration.ofDays(365).toMillis();

    /**
     * Co-occurrence entries kept per item; above it the weakest are pruned (see {@link CooccurrencePruning}); 0 = no
     * bound; -1 (the default) = {@link #COOCCURRENCES_PER_NEIGHBOUR} x {@link #neighbours}.
     */
    public int maxCooccurrences = -1;
    /** Co-occurrence entries whose decayed value falls below this are pruned whenever an item's map is swept. */
    public double cooccurrencePruneBelow = 1e-3;
    /**
     * Events one user may add per minute of event time (a token bucket: bursts up to this, refilled at this rate per
     * minute); the excess are dead letters {@code rate-limited}. 0 = no limit.
     */
    public int userRateLimit = 12_000;

    public EventWeights weights = new EventWeights();

    /** The default bound of an item's co-occurrence map, per neighbour kept: 1,000 entries at 50 neighbours. */
    public static final int COOCCURRENCES_PER_NEIGHBOUR = 20;

    /** The bound of an item's co-occurrence map in force: 0 for none. */
    public int cooccurrenceBound() {
        return maxCooccurrences < 0 ? COOCCURRENCES_PER_NEIGHBOUR * neighbours : maxCooccurrences;
    }

    /** An independent copy (the weights too). */
    public ModelConfig copy() {
        ModelConfig copy = new ModelConfig();
        copy.historyLength = historyLength;
        copy.seenLimit = seenLimit;
        copy.neighbours = neighbours;
        copy.topN = topN;
        copy.trendingSize = trendingSize;
        copy.similarityHalfLifeMs = similarityHalfLifeMs;
        copy.historyHalfLifeMs = historyHalfLifeMs;
        copy.trendingHalfLifeMs = trendingHalfLifeMs;
        copy.normExponent = normExponent;
        copy.popularityBlend = popularityBlend;
        copy.publishIntervalMs = publishIntervalMs;
        copy.maxStalenessMs = maxStalenessMs;
        copy.userTtlMs = userTtlMs;
        copy.itemTtlMs = itemTtlMs;
        copy.maxCooccurrences = maxCooccurrences;
        copy.cooccurrencePruneBelow = cooccurrencePruneBelow;
        copy.userRateLimit = userRateLimit;
        copy.weights = weights.copy();
        return copy;
    }

    /** Checks every setting; throws IllegalArgumentException with a one-line message. */
    public ModelConfig validate() {
        require(historyLength >= 1 && historyLength <= 1000, "freshrec.model.history-length must be in [1, 1000]");
        require(seenLimit >= historyLength, "freshrec.model.seen-limit must be >= freshrec.model.history-length");
        require(neighbours >= 1 && neighbours <= 1000, "freshrec.model.neighbours must be in [1, 1000]");
        require(topN >= 1 && topN <= 1000, "freshrec.serving.top-n must be in [1, 1000]");
        require(trendingSize >= topN, "freshrec.model.trending-size must be >= freshrec.serving.top-n");
        require(
                similarityHalfLifeMs >= 0 && historyHalfLifeMs >= 0 && trendingHalfLifeMs > 0,
                "freshrec.model.*-half-life must be >= 0 (trending-half-life > 0)");
        require(normExponent >= 0 && normExponent <= 1, "freshrec.model.norm-exponent must be in [0, 1]");
        require(
                popularityBlend >= 0 && Double.isFinite(popularityBlend),
                "freshrec.model.popularity-blend must be >= 0");
        require(publishIntervalMs >= 1, "freshrec.model.publish-interval must be >= 1 ms");
        require(maxStalenessMs >= 0, "freshrec.serving.max-staleness must be >= 0");
        require(userTtlMs > 0 && itemTtlMs > 0, "freshrec.state.user-ttl and item-ttl must be > 0");
        require(
                maxCooccurrences == -1
                        || maxCooccurrences == 0
                        || (maxCooccurrences >= 2 * neighbours && maxCooccurrences <= 10_000_000),
                "freshrec.model.max-cooccurrences must be 0 (no bound) or in [2 x freshrec.model.neighbours, 10000000]");
        require(
                cooccurrencePruneBelow >= 0 && Double.isFinite(cooccurrencePruneBelow),
                "freshrec.model.cooccurrence-prune-below must be >= 0");
        require(userRateLimit >= 0, "freshrec.input.user-rate-limit must be >= 0");
        String weightProblem = weights.problem();
        require(weightProblem == null, weightProblem);
        return this;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
