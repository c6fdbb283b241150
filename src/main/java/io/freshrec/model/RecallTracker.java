package io.freshrec.model;

/**
 * Prequential (test-then-train) hit counting for recall@k: before an event updates the model,
 * was its item among the first k the user was being served? Keeps the total and a rolling window.
 */
public final class RecallTracker {
    private final boolean[] window;
    private int next;
    private int filled;
    private int windowHits;
    private long hits;
    private long scored;

    public RecallTracker(int windowSize) {
        this.window = new boolean[windowSize];
    }

    public void record(boolean hit) {
        if (filled == window.length) {
            if (window[next]) {
                windowHits--;
            }
        } else {
            filled++;
        }
        window[next] = hit;
        if (hit) {
            windowHits++;
            hits++;
        }
        next = (next + 1) % window.length;
        scored++;
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
}
