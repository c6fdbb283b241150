package io.freshrec.evaluation;

import io.freshrec.events.Interaction;
import io.freshrec.model.RecallTracker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The baselines' protocol computed the slow, obvious way, as an oracle: before each event, every figure (counts,
 * co-occurrence, norms, the user's last items) is recomputed from the events before it, every known item is
 * scored (0 when nothing links it to the user's items) and the whole list sorted; equal scores (to 12 decimal places): larger id first.
 */
public final class BruteForce {
    /** recall@10, NDCG@10, coverage and scored events of one baseline. */
    public record Figures(long scored, long hits, double ndcgGain, int covered) {}

    private BruteForce() {}

    public static Figures popularity(List<Interaction> events) {
        return evaluate(events, (before, user) -> {
            Map<Long, Double> counts = new HashMap<>();
            for (Interaction event : before) {
                counts.merge(event.itemId, 1.0, Double::sum);
            }
            return counts;
        });
    }

    public static Figures cosine(List<Interaction> events, int recent) {
        return evaluate(events, (before, user) -> {
            Map<Long, Set<Long>> itemsOf = new LinkedHashMap<>();
            for (Interaction event : before) {
                itemsOf.computeIfAbsent(event.userId, u -> new HashSet<>()).add(event.itemId);
            }
            // The user's last distinct items by their latest interaction, oldest first.
            List<Long> latest = new ArrayList<>();
            for (Interaction event : before) {
                if (event.userId == user) {
                    latest.remove(event.itemId);
                    latest.add(event.itemId);
                }
            }
            latest = latest.subList(Math.max(0, latest.size() - recent), latest.size());
            Set<Long> known = new LinkedHashSet<>();
            before.forEach(event -> known.add(event.itemId));
            Map<Long, Double> scores = new HashMap<>();
            for (long candidate : known) {
                double score = 0;
                for (long j : latest) {
                    long both = itemsOf.values().stream()
                            .filter(items -> items.contains(j) && items.contains(candidate))
                            .count();
                    long usersOfJ = itemsOf.values().stream()
                            .filter(items -> items.contains(j))
                            .count();
                    long usersOfC = itemsOf.values().stream()
                            .filter(items -> items.contains(candidate))
                            .count();
                    if (j != candidate && both > 0) {
                        score += both / Math.sqrt((double) usersOfJ * usersOfC);
                    }
                }
                scores.put(candidate, score);
            }
            return scores;
        });
    }

    interface Scores {
        /** Scores of the items that may be recommended (unseen filtering happens afterwards). */
        Map<Long, Double> of(List<Interaction> before, long user);
    }

    private static Figures evaluate(List<Interaction> events, Scores model) {
        long scored = 0;
        long hits = 0;
        double gain = 0;
        Set<Long> covered = new HashSet<>();
        for (int n = 0; n < events.size(); n++) {
            Interaction event = events.get(n);
            List<Interaction> before = events.subList(0, n);
            Set<Long> seen = new HashSet<>();
            before.stream().filter(e -> e.userId == event.userId).forEach(e -> seen.add(e.itemId));
            if (seen.isEmpty() || seen.contains(event.itemId)) {
                continue;
            }
            Map<Long, Double> scores = model.of(before, event.userId);
            List<Long> ranked = new ArrayList<>(scores.keySet());
            ranked.removeIf(seen::contains);
            // Scores equal to 12 decimal places are ties (sums in another order differ in the last bits).
            ranked.sort(Comparator.comparing((Long item) -> -Math.round(scores.get(item) * 1e12))
                    .thenComparing(Comparator.reverseOrder()));
            List<Long> top = ranked.subList(0, Math.min(10, ranked.size()));
            covered.addAll(top);
            scored++;
            int rank = top.indexOf(event.itemId);
            if (rank >= 0) {
                hits++;
                gain += RecallTracker.gain(rank);
            }
        }
        return new Figures(scored, hits, gain, covered.size());
    }
}
