package io.freshrec.model;

import java.util.ArrayDeque;
import java.util.Locale;

/**
 * Watches how fast new ids (users or items) arrive and says when the rate over the last minute crosses a threshold:
 * once when it rises above it, once when it is back under half of it. A flood of made-up ids grows the model's state
 * and every serving subtask's copy of the model; a real catalogue or audience grows far slower.
 */
public final class NewIdRateAlert {
    static final long WINDOW_MS = 60_000;

    private final String what;
    private final double threshold;
    /** (wall-clock time, ids created so far) of the checks within the window, oldest first. */
    private final ArrayDeque<long[]> checks = new ArrayDeque<>();

    private boolean raised;

    /**
     * @param what the ids, plural ("users", "items")
     * @param threshold new ids per second that raise the alert (positive)
     */
    public NewIdRateAlert(String what, double threshold) {
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("threshold must be positive");
        }
        this.what = what;
        this.threshold = threshold;
    }

    private long secondCheckTime() {
        var it = checks.iterator();
        it.next();
        return it.next()[0];
    }

    public boolean raised() {
        return raised;
    }

    /**
     * Checks the count of ids created so far ({@code created}, ever growing) at wall-clock time {@code nowMs}; returns
     * the line to report when the alert is raised or cleared by this check, else null. The rate is over the last minute
     * (from the newest check at least a minute old); nothing is said before a minute of checks is there.
     */
    public String check(long created, long nowMs) {
        checks.addLast(new long[] {nowMs, created});
        // Keep the newest check at least a minute old as the window's start.
        while (checks.size() > 2 && secondCheckTime() <= nowMs - WINDOW_MS) {
            checks.removeFirst();
        }
        long[] first = checks.peekFirst();
        long spanMs = nowMs - first[0];
        if (spanMs < WINDOW_MS) {
            return null; // a minute of checks first: a job starting on a live stream sees every active id as new
        }
        double rate = (created - first[1]) * 1000.0 / spanMs;
        if (!raised && rate > threshold) {
            raised = true;
            return String.format(
                    Locale.ROOT,
                    "freshrec new-id alert: about %,.0f new %s a second over the last %d s (more than %,.0f,"
                            + " freshrec.monitoring.new-id-rate-alert): ids made up by a client or an attack grow the"
                            + " model's state; serving keeps at most freshrec.serving.max-items items and evicts the"
                            + " least trending",
                    rate,
                    what,
                    spanMs / 1000,
                    threshold);
        }
        if (raised && rate <= threshold / 2) {
            raised = false;
            return String.format(
                    Locale.ROOT,
                    "freshrec new-id alert cleared: %,.0f new %s a second over the last %d s",
                    rate,
                    what,
                    spanMs / 1000);
        }
        return null;
    }
}
