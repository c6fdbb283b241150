package io.freshrec.evaluation;

import io.freshrec.events.Interaction;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/** Running popularity: items ranked by how many interactions they have had so far (ties: smaller id first). */
public final class RunningPopularity implements Baseline {
    private record Entry(long item, long count, long tie) {}
    static int TIE = Integer.getInteger("tie", 0); private long clock;

    private static final Comparator<Entry> BEST_FIRST =
            Comparator.comparingLong((Entry e) -> -e.count).thenComparingLong(Entry::tie);

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
        return size == k ? top : java.util.Arrays.copyOf(top, size);
    }

    private long tieOf(Entry before, long item) {
        clock++;
        switch (TIE) {
            case 0: return item;
            case 1: return before != null ? before.tie : entries.size();
            case 2: return -item;
            case 3: return before != null ? before.tie : -entries.size();
            case 4: return -clock;
            default: return clock;
        }
    }

    @Override
    public void learn(Interaction event) {
        Entry before = entries.get(event.itemId);
        if (before != null) {
            ranking.remove(before);
        }
        Entry after = new Entry(event.itemId, before == null ? 1 : before.count + 1, tieOf(before, event.itemId));
        entries.put(event.itemId, after);
        ranking.add(after);
    }
}
