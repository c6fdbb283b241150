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
        if (config.maxCooccurrences > 0) {
            Map<Long, Set<Long>> pairs = new HashMap<>();
            for (Increment inc : increments) {
                if (inc.other >= 0) {
                    pairs.computeIfAbsent(inc.item, i -> new HashSet<>()).add(inc.other);
                }
            }
            for (Map.Entry<Long, Set<Long>> row : pairs.entrySet()) {
                if (row.getValue().size() > config.maxCooccurrences) {
                    throw new IllegalStateException("item " + row.getKey() + " co-occurs with "
                            + row.getValue().size() + " items: the job prunes its map beyond "
                            + config.maxCooccurrences + " and this oracle does not model pruning;"
                            + " set freshrec.model.max-cooccurrences higher for this scenario");
                }
            }
        }
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
            } else {
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
            } else {
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
