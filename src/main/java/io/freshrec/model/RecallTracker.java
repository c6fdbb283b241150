package io.freshrec.model;

/**
 * Prequential (test-then-train) quality at k: before an event updates the model, where was its item in the
 * first k the user was being served? Counts recall@k (was it there at all) and NDCG@k (one relevant item, so
 * the gain of a hit at 0-based rank r is 1 / log2(r + 2) and a miss scores 0). Keeps totals and a rolling
 * window of the last scored events.
 */
public final class RecallTracker {
    private final int[] window;
    private int next;
    private int filled;
    private int windowHits;
    private double windowGain;
    private long hits;
    private double gain;
    private long scored;

    public RecallTracker(int windowSize) {
        if (windowSize < 1) {
            throw new IllegalArgumentException("window size must be at least 1, not " + windowSize);
        }
        this.window = new int[windowSize];
    }

    /** The NDCG@k gain of a hit at 0-based {@code rank} (a miss, rank < 0, gains 0). */
    public static double gain(int rank) {
        return rank < 0 ? 0.0 : 1.0 / (Math.log(rank + 2) / Math.log(2));
    }

    /** Records a miss (false) or a hit at rank 0 (true). */
    public void record(boolean hit) {
        record(hit ? 0 : -1);
    }

    /** Records one scored event: the 0-based rank of its item in the served top k, or -1 when absent. */
    public void record(int rank) {
        if (filled == window.length) {
            int dropped = window[next];
            if (dropped >= 0) {
                windowHits--;
                windowGain -= gain(dropped);
            }
        } else {
            filled++;
        }
        window[next] = rank;
        if (rank >= 0) {
            windowHits++;
            windowGain += gain(rank);
            hits++;
            gain += gain(rank);
        }
        if (filled == window.length && next == window.length - 1) {
            windowGain = recomputeWindowGain(); // bound floating-point drift of the running sum
        }
        next = (next + 1) % window.length;
        scored++;
    }

    private double recomputeWindowGain() {
        double sum = 0.0;
        for (int rank : window) {
            sum += gain(rank);
        }
        return sum;
    }

    /** Whether the rolling window holds its full number of scored events. */
    public boolean isWindowFull() {
        return filled == window.length;
    }

    public long hits() {
        return hits;
    }

    public long scored() {
        return scored;
    }

    public double total() {
        return scored == 0 ? 0.0 : (double) hits / scored;
    }

    public double rolling() {
        return filled == 0 ? 0.0 : (double) windowHits / filled;
    }

    /** Sum of NDCG gains since this tracker started. */
    public double gainSum() {
        return gain;
    }

    public double ndcgTotal() {
        return scored == 0 ? 0.0 : gain / scored;
    }

    public double ndcgRolling() {
        return filled == 0 ? 0.0 : windowGain / filled;
    }
}
