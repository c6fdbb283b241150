package io.freshrec.model;

import java.util.HashMap;
import java.util.Map;

/**
 * Drift of the item-popularity distribution: interactions are counted per item in consecutive event-time
 * windows, and when a window closes its distribution is compared with the previous window's by the
 * Jensen-Shannon divergence (base 2: 0 for the same distribution, 1 for disjoint ones). Counted over the
 * events one parse subtask sees, a sample of the whole stream. Events of a window already closed count in
 * the open one. Monitoring only: not checkpointed (a restart starts a new window).
 */
public final class PopularityDrift {
    private final EventTimeWindows windows;
    private Map<Long, Integer> current = new HashMap<>();
    private Map<Long, Integer> previous;
    private long currentEvents;
    private double shift = Double.NaN;
    private long closedWindows;

    public PopularityDrift(long windowMs) {
        this.windows = new EventTimeWindows(windowMs, "drift");
    }

    /** Counts one interaction; returns true when it closed a window (and {@link #shift()} changed). */
    public boolean record(long item, long time) {
        boolean closed = false;
        if (windows.advance(time)) {
            if (previous != null) {
                shift = jensenShannon(previous, current);
            }
            previous = current;
            current = new HashMap<>();
            currentEvents = 0;
            closedWindows++;
            closed = previous != null;
        }
        current.merge(item, 1, Integer::sum);
        currentEvents++;
        return closed;
    }

    /** Divergence between the last two closed windows; NaN until two windows have closed. */
    public double shift() {
        return shift;
    }

    public long closedWindows() {
        return closedWindows;
    }

    public long eventsInWindow() {
        return currentEvents;
    }

    /** Jensen-Shannon divergence (base 2) between two count distributions. */
    public static double jensenShannon(Map<Long, Integer> a, Map<Long, Integer> b) {
        double totalA = total(a);
        double totalB = total(b);
        if (totalA == 0 || totalB == 0) {
            return totalA == totalB ? 0.0 : 1.0;
        }
        double divergence = 0.0;
        for (Map.Entry<Long, Integer> entry : a.entrySet()) {
            double p = entry.getValue() / totalA;
            double q = b.getOrDefault(entry.getKey(), 0) / totalB;
            divergence += half(p, q);
        }
        for (Map.Entry<Long, Integer> entry : b.entrySet()) {
            if (!a.containsKey(entry.getKey())) {
                divergence += half(0.0, entry.getValue() / totalB);
            }
        }
        return Math.max(0.0, Math.min(1.0, divergence));
    }

    /** The terms of one outcome: (p log(p/m) + q log(q/m)) / 2 with m = (p + q) / 2, in bits. */
    private static double half(double p, double q) {
        double m = (p + q) / 2;
        double sum = 0.0;
        if (p > 0) {
            sum += p * Math.log(p / m);
        }
        if (q > 0) {
            sum += q * Math.log(q / m);
        }
        return sum / 2 / Math.log(2);
    }

    private static double total(Map<Long, Integer> counts) {
        double sum = 0;
        for (int count : counts.values()) {
            sum += count;
        }
        return sum;
    }
}
