package io.freshrec.testing;

import io.freshrec.events.Interaction;
import io.freshrec.model.UserHistory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An independent, brute-force computation of what FreshRec should serve, written from the model's
 * definition rather than from its classes: every user's interactions replayed in event-time order,
 * every co-occurrence increment kept as a list, and the model "as of" any time recomputed from
 * scratch. Slow and simple on purpose; it is the oracle of the integration tests.
 */
public final class ReferenceModel {
    private static final double LN2 = Math.log(2);

    /** One increment of the model: a pair (item, other, amount) or an interaction (other = -1). */
    private record Increment(long item, long other, double amount, double normIncrement, long time) {}

    private record Entry(long item, double weight, long time) {}

    private final OracleSettings config;
    private final List<Increment> increments = new ArrayList<>();
    private final Map<Long, List<Entry>> histories = new HashMap<>();
    private final Map<Long, Set<Long>> seen = new HashMap<>();
    private final Map<Long, Long> lastEventTime = new HashMap<>();

    public ReferenceModel(OracleSettings config, List<Interaction> events) {
        this.config = config;
        List<Interaction> ordered = new ArrayList<>(events);
        // Per user, the job applies events by (time, item, type, value).
        ordered.sort(Comparator.<Interaction>comparingLong(e -> e.userId)
                .thenComparingLong(e -> e.timestamp)
                .thenComparingLong(e -> e.itemId)
                .thenComparing(e -> e.type)
                .thenComparingDouble(e -> e.value));
        for (Interaction event : ordered) {
            if (admitted(event)) {
                apply(event);
            } else {
                rateLimited.add(event);
            }
        }
        prune();
    }

    /** Per user: the allowance of the rate limit and the event time it is stated at. */
    private final Map<Long, double[]> allowances = new HashMap<>();

    private final List<Interaction> rateLimited = new ArrayList<>();

    /**
     * The documented rate limit (docs/model.md), written out here: a bucket of {@code limit} events per user, full at
     * the user's first event, refilled at {@code limit} per 60,000 ms of event time since the latest event so far; an
     * event takes one, and is refused when less than one is left.
     */
    private boolean admitted(Interaction event) {
        int limit = config.userRateLimit;
        if (limit <= 0) {
            return true;
        }
        double[] bucket = allowances.get(event.userId);
        double allowance;
        if (bucket == null) {
            bucket = new double[] {0, event.timestamp};
            allowances.put(event.userId, bucket);
            allowance = limit;
        } else {
            long latest = (long) bucket[1];
            allowance = Math.min(limit, bucket[0] + Math.max(0, event.timestamp - latest) * (limit / 60_000.0));
        }
        bucket[1] = Math.max((long) bucket[1], event.timestamp);
        if (allowance < 1.0) {
            bucket[0] = allowance;
            return false;
        }
        bucket[0] = allowance - 1.0;
        return true;
    }

    /**
     * Per item and other item: the version times at which the item's co-occurrence map dropped the pair (pruning):
     * the pair's increments up to such a version count no more in any version from it on.
     */
    private final Map<Long, Map<Long, List<Long>>> prunedAt = new HashMap<>();

    /** The event time of the model version an increment at {@code time} is part of. */
    private long versionOf(long time) {
        return (Math.floorDiv(time, config.publishIntervalMs) + 1) * config.publishIntervalMs;
    }

    /**
     * The documented pruning (docs/model.md), written out: after each version in which an item changed, if its map
     * holds more than max-cooccurrences pairs, every pair outside its top neighbours goes when its value is under
     * cooccurrence-prune-below, and the weakest go (smaller value, then larger id) until three quarters of the bound
     * remain.
     */
    private void prune() {
        int max = config.maxCooccurrences;
        if (max <= 0) {
            return;
        }
        Map<Long, List<Increment>> byItem = new HashMap<>();
        for (Increment inc : increments) {
            byItem.computeIfAbsent(inc.item, i -> new ArrayList<>()).add(inc);
        }
        for (Map.Entry<Long, List<Increment>> entry : byItem.entrySet()) {
            long item = entry.getKey();
            List<Increment> all = new ArrayList<>(entry.getValue());
            all.sort(Comparator.comparingLong((Increment inc) -> versionOf(inc.time)));
            // other -> {value, time}: the pair's sum stated at its latest increment
            Map<Long, double[]> row = new HashMap<>();
            long itemTime = Long.MIN_VALUE;
            for (int i = 0; i < all.size(); i++) {
                Increment inc = all.get(i);
                itemTime = Math.max(itemTime, inc.time);
                if (inc.other >= 0) {
                    double[] pair = row.computeIfAbsent(inc.other, o -> new double[] {0, inc.time});
                    long latest = Math.max((long) pair[1], inc.time);
                    pair[0] = pair[0] * decay(latest - (long) pair[1], config.similarityHalfLifeMs)
                            + inc.amount * decay(latest - inc.time, config.similarityHalfLifeMs);
                    pair[1] = latest;
                }
                boolean versionEnds = i == all.size() - 1 || versionOf(all.get(i + 1).time) != versionOf(inc.time);
                if (versionEnds && row.size() > max) {
                    long at = itemTime;
                    Map<Long, Double> values = new HashMap<>();
                    row.forEach((other, pair) ->
                            values.put(other, pair[0] * decay(at - (long) pair[1], config.similarityHalfLifeMs)));
                    Set<Long> neighbours = new HashSet<>();
                    for (Map.Entry<Long, Double> best : topNeighbours(values)) {
                        neighbours.add(best.getKey());
                    }
                    List<Map.Entry<Long, Double>> weakestFirst = new ArrayList<>(values.entrySet());
                    weakestFirst.removeIf(e -> neighbours.contains(e.getKey()));
                    weakestFirst.sort(Comparator.<Map.Entry<Long, Double>>comparingDouble(
                                    e -> e.getValue() > 0 ? e.getValue() : 0.0)
                            .thenComparing(e -> -e.getKey()));
                    int mustGo = row.size() - (max - max / 4);
                    for (int k = 0; k < weakestFirst.size(); k++) {
                        Map.Entry<Long, Double> weak = weakestFirst.get(k);
                        if (k < mustGo || !(weak.getValue() > 0) || weak.getValue() < config.cooccurrencePruneBelow) {
                            row.remove(weak.getKey());
                            prunedAt.computeIfAbsent(item, x -> new HashMap<>())
                                    .computeIfAbsent(weak.getKey(), x -> new ArrayList<>())
                                    .add(versionOf(inc.time));
                        }
                    }
                }
            }
        }
    }

    /** Whether pruning dropped a pair increment from the model version valid at {@code modelAt}. */
    private boolean pruned(Increment inc, long modelAt) {
        Map<Long, List<Long>> ofItem = prunedAt.get(inc.item);
        List<Long> times = ofItem == null ? null : ofItem.get(inc.other);
        if (times == null) {
            return false;
        }
        long version = versionOf(inc.time);
        for (long at : times) {
            if (at >= version && at <= modelAt) {
                return true;
            }
        }
        return false;
    }

    /** Pairs dropped by pruning over the whole input. */
    public long prunedPairs() {
        return prunedPairs(Long.MAX_VALUE);
    }

    /**
     * Pairs dropped by pruning in the model versions up to event time {@code watermark} (the job's
     * cooccurrencesPruned once its watermark is there: later versions are not applied yet).
     */
    public long prunedPairs(long watermark) {
        long total = 0;
        for (Map<Long, List<Long>> ofItem : prunedAt.values()) {
            for (List<Long> times : ofItem.values()) {
                total += times.stream().filter(at -> at <= watermark).count();
            }
        }
        return total;
    }

    /** The events the rate limit refused (the job's dead letters rate-limited), in the order they were applied. */
    public List<Interaction> rateLimited() {
        return List.copyOf(rateLimited);
    }

    private double decay(long dt, long halfLife) {
        return halfLife <= 0 ? 1.0 : Math.exp(-LN2 * dt / halfLife);
    }

    private void apply(Interaction event) {
        double weight = config.weightOf(event);
        List<Entry> history = histories.computeIfAbsent(event.userId, u -> new ArrayList<>());
        long t = event.timestamp;
        Entry previous = null;
        for (Entry entry : history) {
            if (entry.item == event.itemId) {
                previous = entry;
                continue;
            }
            double interest = entry.weight * decay(t - entry.time, config.historyHalfLifeMs);
            increments.add(new Increment(event.itemId, entry.item, weight * interest, 0, t));
            increments.add(new Increment(entry.item, event.itemId, weight * interest, 0, t));
        }
        double before = previous == null ? 0 : previous.weight * decay(t - previous.time, config.historyHalfLifeMs);
        double after = before + weight;
        increments.add(new Increment(event.itemId, -1, weight, after * after - before * before, t));
        if (previous != null) {
            history.remove(previous);
        } else if (history.size() >= config.historyLength) {
            history.remove(0);
        }
        history.add(new Entry(event.itemId, after, t));
        Set<Long> items = seen.computeIfAbsent(event.userId, u -> new LinkedHashSet<>());
        boolean seenBefore = !items.add(event.itemId);
        lastEventTime.merge(event.userId, t, Math::max);
        steps.computeIfAbsent(event.userId, u -> new ArrayList<>())
                .add(new Step(event, seenBefore, List.copyOf(history), Set.copyOf(items)));
    }

    /** A user's state right after one of their interactions: what serving holds until the next one. */
    private record Step(Interaction event, boolean seenBefore, List<Entry> history, Set<Long> seen) {}

    private final Map<Long, List<Step>> steps = new HashMap<>();

    /**
     * One scored event of the prequential protocol as the job runs it with align-to-model: an interaction of a
     * user with an earlier one, with an item new to them, looked up in the top {@code k} of the list served after
     * their previous interaction (scored then, with the model of that moment), or of a fresh list when that one
     * is older than the maximum staleness.
     *
     * @param rank the item's place in the top k, -1 when it is not there
     * @param ambiguous a tie at a cut the definition leaves open decides whether the item is in the top k
     */
    public record Scored(Interaction event, int rank, boolean ambiguous) {}

    /** Every scored event of every user, each user's in the order the job applies them. */
    public List<Scored> prequential(int k) {
        List<Scored> scored = new ArrayList<>();
        for (List<Step> userSteps : steps.values()) {
            for (int i = 1; i < userSteps.size(); i++) {
                Step step = userSteps.get(i);
                if (step.seenBefore) {
                    continue;
                }
                Step before = userSteps.get(i - 1);
                long previous = before.event.timestamp;
                long now = step.event.timestamp;
                Served served = now - previous > config.maxStalenessMs
                        ? recommend(before.history, before.seen, now, now)
                        : recommend(before.history, before.seen, previous, previous);
                int rank = served.items
                        .subList(0, Math.min(k, served.items.size()))
                        .indexOf(step.event.itemId);
                scored.add(new Scored(step.event, rank, served.ambiguous || tiedAtTopK(served, k)));
            }
        }
        return scored;
    }

    /** Whether the entries at places k and k + 1 rank equal (a learned score, or a fill's trending weight). */
    private static boolean tiedAtTopK(Served served, int k) {
        if (served.items.size() <= k) {
            return false;
        }
        int learned = served.items.size() - served.fromTrending;
        double last;
        double next;
        if (k < learned) {
            last = served.scores.get(k - 1);
            next = served.scores.get(k);
        } else if (k - 1 >= learned) {
            last = served.fillWeights.get(k - 1 - learned);
            next = served.fillWeights.get(k - learned);
        } else {
            return false; // the last learned entry outranks every fill
        }
        return Math.abs(last - next) <= TIE * Math.max(Math.abs(last), Double.MIN_NORMAL);
    }

    /** Whether an increment at {@code time} is in the model version valid at {@code at}. */
    private boolean visible(long time, long at) {
        long interval = config.publishIntervalMs;
        return (Math.floorDiv(time, interval) + 1) * interval <= at;
    }

    /** The recommendations served to a user after their last interaction. */
    public Served recommend(long user) {
        return recommend(user, lastEventTime.get(user));
    }

    /**
     * The user's list scored at their last interaction with the model version valid at event time {@code
     * modelAt}; Long.MAX_VALUE: the final model, as served once a finite input has ended.
     */
    public Served recommend(long user, long modelAt) {
        return recommend(histories.get(user), seen.get(user), lastEventTime.get(user), modelAt);
    }

    /** The list of a user with {@code history} and {@code seenItems}, scored at {@code now}. */
    private Served recommend(List<Entry> history, Set<Long> seenItems, long now, long modelAt) {
        Map<Long, Double> norm = new HashMap<>();
        Map<Long, Double> trending = new HashMap<>();
        Map<Long, Map<Long, Double>> cooccurrence = new HashMap<>();
        for (Increment inc : increments) {
            if (!visible(inc.time, modelAt)) {
                continue;
            }
            if (inc.other < 0) {
                norm.merge(
                        inc.item, inc.normIncrement * decay(now - inc.time, config.similarityHalfLifeMs), Double::sum);
                trending.merge(inc.item, inc.amount * decay(now - inc.time, config.trendingHalfLifeMs), Double::sum);
            } else if (!pruned(inc, modelAt)) {
                cooccurrence
                        .computeIfAbsent(inc.item, i -> new HashMap<>())
                        .merge(inc.other, inc.amount * decay(now - inc.time, config.similarityHalfLifeMs), Double::sum);
            }
        }
        Served served = new Served();
        Map<Long, Double> scores = new HashMap<>();
        for (Entry entry : history) {
            Double sourceNorm = norm.get(entry.item);
            Map<Long, Double> row = cooccurrence.get(entry.item);
            if (sourceNorm == null || !(sourceNorm > 0) || row == null) {
                continue;
            }
            double interest = entry.weight * decay(now - entry.time, config.historyHalfLifeMs);
            if (tiedAtCut(positive(row), config.neighbours)) {
                served.ambiguous = true;
            }
            for (Map.Entry<Long, Double> neighbour : topNeighbours(row)) {
                long candidate = neighbour.getKey();
                Double candidateNorm = norm.get(candidate);
                if (seenItems.contains(candidate) || candidateNorm == null || !(candidateNorm > 0)) {
                    continue;
                }
                double similarity = neighbour.getValue()
                        / (Math.pow(sourceNorm, config.normExponent)
                                * Math.pow(candidateNorm, 1 - config.normExponent));
                scores.merge(candidate, interest * similarity, Double::sum);
            }
        }
        List<Map.Entry<Long, Double>> popular = new ArrayList<>(trending.entrySet());
        popular.sort(byValueThenId());
        int trendingKept = Math.min(config.trendingSize, popular.size());
        Set<Long> popularityOnly = Set.of();
        if (tiedAtCut(popular, config.trendingSize)) {
            served.ambiguous = true;
        }
        Set<Long> fillCandidates = new HashSet<>();
        for (int i = 0; i < trendingKept; i++) {
            fillCandidates.add(popular.get(i).getKey());
        }
        if (config.popularityBlend > 0 && trendingKept > 0 && popular.get(0).getValue() > 0) {
            // Each candidate gains blend * its popularity relative to the most popular item; every trending item
            // the user has not seen becomes a candidate on its popularity alone.
            double top = popular.get(0).getValue();
            popularityOnly = new HashSet<>();
            scores.replaceAll((item, score) -> score + config.popularityBlend * trending.getOrDefault(item, 0.0) / top);
            for (int i = 0; i < trendingKept; i++) {
                long item = popular.get(i).getKey();
                if (!seenItems.contains(item) && !scores.containsKey(item)) {
                    scores.put(item, config.popularityBlend * popular.get(i).getValue() / top);
                    popularityOnly.add(item);
                }
            }
        }
        List<Map.Entry<Long, Double>> ranked = new ArrayList<>(scores.entrySet());
        ranked.sort(byValueThenId());
        for (int i = 0; i < Math.min(config.topN, ranked.size()); i++) {
            served.items.add(ranked.get(i).getKey());
            served.scores.add(ranked.get(i).getValue());
            if (popularityOnly.contains(ranked.get(i).getKey())) {
                served.fromPopularity++;
            }
        }
        for (int i = 0; i < popular.size() && served.items.size() < config.topN; i++) {
            long item = popular.get(i).getKey();
            if (fillCandidates.contains(item) && !seenItems.contains(item) && !scores.containsKey(item)) {
                served.items.add(item);
                served.scores.add(0.0);
                served.fillWeights.add(popular.get(i).getValue());
                served.fromTrending++;
            }
        }
        return served;
    }

    private List<Map.Entry<Long, Double>> topNeighbours(Map<Long, Double> row) {
        List<Map.Entry<Long, Double>> all = positive(row);
        return all.subList(0, Math.min(config.neighbours, all.size()));
    }

    /** The entries with a positive value (nothing in common: not a neighbour), best first. */
    private static List<Map.Entry<Long, Double>> positive(Map<Long, Double> row) {
        List<Map.Entry<Long, Double>> all = new ArrayList<>(row.entrySet());
        all.removeIf(entry -> !(entry.getValue() > 0));
        all.sort(byValueThenId());
        return all;
    }

    /**
     * Whether the value at the cut of a list kept to its best {@code kept} (sorted best first) is tied with the
     * value just outside it: the definition does not say which of the tied entries a bounded list keeps.
     */
    static boolean tiedAtCut(List<Map.Entry<Long, Double>> sorted, int kept) {
        if (sorted.size() <= kept) {
            return false;
        }
        double last = sorted.get(kept - 1).getValue();
        double next = sorted.get(kept).getValue();
        return Math.abs(last - next) <= TIE * Math.max(Math.abs(last), Double.MIN_NORMAL);
    }

    /** Relative difference below which two sums of the same terms in another order count as equal. */
    public static final double TIE = 1e-9;

    private static Comparator<Map.Entry<Long, Double>> byValueThenId() {
        return Comparator.<Map.Entry<Long, Double>>comparingDouble(e -> -e.getValue())
                .thenComparingLong(Map.Entry::getKey);
    }

    /** The user's recent items (oldest first) with their interest as of the last interaction with each. */
    public UserHistory history(long user) {
        UserHistory history = new UserHistory();
        List<Entry> entries = histories.get(user);
        history.items = entries.stream().mapToLong(Entry::item).toArray();
        history.weights = entries.stream().mapToDouble(Entry::weight).toArray();
        history.times = entries.stream().mapToLong(Entry::time).toArray();
        history.lastEventTime = lastEventTime.get(user);
        return history;
    }

    /**
     * An item's part of the model version valid at event time {@code modelAt}, every value stated at the time
     * of the item's latest change in that version (as item-model holds it); null when that version has none.
     */
    public Item item(long item, long modelAt) {
        long time = Long.MIN_VALUE;
        for (Increment inc : increments) {
            if (inc.item == item && visible(inc.time, modelAt)) {
                time = Math.max(time, inc.time);
            }
        }
        if (time == Long.MIN_VALUE) {
            return null;
        }
        Item found = new Item(time);
        for (Increment inc : increments) {
            if (inc.item != item || !visible(inc.time, modelAt)) {
                continue;
            }
            if (inc.other < 0) {
                found.norm += inc.normIncrement * decay(time - inc.time, config.similarityHalfLifeMs);
                found.trending += inc.amount * decay(time - inc.time, config.trendingHalfLifeMs);
            } else if (!pruned(inc, modelAt)) {
                found.cooccurrence.merge(
                        inc.other, inc.amount * decay(time - inc.time, config.similarityHalfLifeMs), Double::sum);
            }
        }
        return found;
    }

    /** Every item that has any part in the model. */
    public Set<Long> items() {
        Set<Long> items = new TreeSet<>();
        increments.forEach(inc -> items.add(inc.item));
        return items;
    }

    /** An item's norm, trending weight and co-occurrence with every other item, as of {@code time}. */
    public static final class Item {
        public final long time;
        public double norm;
        public double trending;
        public final Map<Long, Double> cooccurrence = new HashMap<>();

        Item(long time) {
            this.time = time;
        }
    }

    /** Event time of the latest change to an item's part of the model (its own interactions and pairs). */
    public long lastUpdateTime(long item) {
        long last = Long.MIN_VALUE;
        for (Increment inc : increments) {
            if (inc.item == item) {
                last = Math.max(last, inc.time);
            }
        }
        return last;
    }

    public Set<Long> seen(long user) {
        return seen.get(user);
    }

    public Set<Long> users() {
        return histories.keySet();
    }

    public long lastEventTime(long user) {
        return lastEventTime.get(user);
    }

    /** A served list: items, their scores, and how many trailing entries came from trending. */
    public static final class Served {
        public final List<Long> items = new ArrayList<>();
        public final List<Double> scores = new ArrayList<>();
        public int fromTrending;
        /** The trending weight of each trending fill, in the list's order (what ranks them). */
        public final List<Double> fillWeights = new ArrayList<>();
        /** Entries scored by the popularity blend alone (no neighbour of the user's history), trending fill aside. */
        public int fromPopularity;
        /**
         * A neighbour list this user's scores read, or the trending list, was cut between tied values: which of the
         * tied items a bounded list keeps is not defined, so neither is this list (only with truncation).
         */
        public boolean ambiguous;
    }
}
