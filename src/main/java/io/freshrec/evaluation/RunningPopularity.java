package io.freshrec.evaluation;

import io.freshrec.events.Interaction;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * Running popularity: every known item ranked by how many interactions it has had so far; ties: larger item id
 * first (see {@link Baseline#BEFORE_ON_TIE}).
 */
public final class RunningPopularity implements Baseline {
    private record Entry(long item, long count) {}

    private static final Comparator<Entry> BEST_FIRST = Comparator.comparingLong((Entry e) -> -e.count)
            .thenComparing(Entry::item, (a, b) -> Baseline.BEFORE_ON_TIE.compare(a, b));

    private final Map<Long, Entry> entries = new HashMap<>();
    private final TreeSet<Entry> ranking = new TreeSet<>(BEST_FIRST);

    @Override
    public String name() {
        return "running popularity";
    }

    @Override
    public long[] recommend(long user, int k, LongPredicate seen) {
        long[] top = new long[k];
        int size = 0;
        for (Entry entry : ranking) {
            if (size == k) {
                break;
            }
            if (!seen.test(entry.item)) {
                top[size++] = entry.item;
            }
        }
        return size == k ? top : Arrays.copyOf(top, size);
    }

    @Override
    public void learn(Interaction event) {
        Entry before = entries.get(event.itemId);
        if (before != null) {
            ranking.remove(before);
        }
        Entry after = new Entry(event.itemId, before == null ? 1 : before.count + 1);
        entries.put(event.itemId, after);
        ranking.add(after);
    }
}
