package io.freshrec.model;

import io.freshrec.events.Durations;

/**
 * Watches how far event time (a watermark) is behind the wall clock in a live job and says when that lag crosses a
 * threshold: once when it rises above it (or event time has not started that long after the first check), once when it
 * is back under half of it. Between the two nothing more is said, so a stuck watermark is one alert, not one a second.
 */
public final class WatermarkLagAlert {
    private final long thresholdMs;
    private long firstCheck = Long.MIN_VALUE;
    private boolean raised;

    /** @param thresholdMs the lag that raises the alert (positive) */
    public WatermarkLagAlert(long thresholdMs) {
        if (thresholdMs <= 0) {
            throw new IllegalArgumentException("threshold must be positive");
        }
        this.thresholdMs = thresholdMs;
    }

    /** Whether the alert is raised now. */
    public boolean raised() {
        return raised;
    }

    /**
     * Checks {@code watermark} ({@code Long.MIN_VALUE}: none yet) at wall-clock time {@code nowMs}; returns the line
     * to report when the alert is raised or cleared by this check, else null.
     */
    public String check(long watermark, long nowMs) {
        if (firstCheck == Long.MIN_VALUE) {
            firstCheck = nowMs;
        }
        boolean started = watermark != Long.MIN_VALUE;
        long lag = started ? Math.max(0, nowMs - watermark) : nowMs - firstCheck;
        if (!raised && lag > thresholdMs) {
            raised = true;
            String what = started
                    ? "event time is " + Durations.approximately(lag) + " behind the wall clock"
                    : "event time has not started " + Durations.approximately(lag) + " after the job did";
            return "freshrec watermark alert: " + what + " (more than " + Durations.text(thresholdMs)
                    + ", freshrec.monitoring.watermark-lag-alert): the job is behind its input, or a source partition"
                    + " holds event time back (events more than freshrec.watermark.max-lag behind the clock are dead"
                    + " letters too-old; a partition without events is idle after freshrec.watermark.idleness)";
        }
        if (raised && started && lag <= thresholdMs / 2) {
            raised = false;
            return "freshrec watermark alert cleared: event time is " + Durations.approximately(lag)
                    + " behind the wall clock";
        }
        return null;
    }
}
