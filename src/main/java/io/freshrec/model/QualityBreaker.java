package io.freshrec.model;

import java.io.Serializable;

/**
 * The quality circuit breaker of serving. It watches rolling prequential recall against a trailing baseline
 * (an exponentially weighted average in event time, fed only while quality is healthy). When rolling recall
 * stays more than {@code maxDrop} below the baseline for {@code hold} of event time and at least
 * {@code minScored} scored events, the breaker opens: serving freezes at the last good model version (the newest
 * one when quality was last measured healthy) while the model keeps learning. While open, the same events are also
 * scored against the newest model (the candidate); when the candidate's rolling recall is back within
 * {@code maxDrop} of the baseline for the same hold, the breaker closes and serving follows the newest model again.
 *
 * <p>State lives in the public fields (a POJO, checkpointed by serving); the settings are passed to every call.
 */
public class QualityBreaker {
    /** What happened on the last observation. */
    public enum Transition {
        NONE,
        OPENED,
        CLOSED
    }

    /** The breaker's settings (not state). */
    public static final class Settings implements Serializable {
        private static final long serialVersionUID = 1L;
        public final boolean enabled;
        /** Fraction of the baseline that rolling recall may lose, e.g. 0.5. */
        public final double maxDrop;
        /** Event time the drop (or the recovery) must last. */
        public final long holdMs;
        /** Scored events the drop (or the recovery) must last, and the warm-up before a baseline exists. */
        public final long minScored;
        /** Half-life (event time) of the trailing baseline. */
        public final long baselineHalfLifeMs;

        public Settings(boolean enabled, double maxDrop, long holdMs, long minScored, long baselineHalfLifeMs) {
            if (!(maxDrop > 0 && maxDrop < 1)) {
                throw new IllegalArgumentException(
                        "the quality breaker's max drop must be between 0 and 1, not " + maxDrop);
            }
            if (holdMs < 0 || minScored < 1 || baselineHalfLifeMs <= 0) {
                throw new IllegalArgumentException(
                        "the quality breaker's hold must not be negative, its minimum of scored "
                                + "events at least 1 and its baseline half-life positive");
            }
            this.enabled = enabled;
            this.maxDrop = maxDrop;
            this.holdMs = holdMs;
            this.minScored = minScored;
            this.baselineHalfLifeMs = baselineHalfLifeMs;
        }
    }

    /** Trailing baseline of rolling recall; NaN during warm-up. */
    public double baseline = Double.NaN;
    /** Event time of the last baseline update. */
    public long baselineTime = Long.MIN_VALUE;
    /** Scored events observed since this breaker started. */
    public long scored;
    /** Event time quality first fell below the threshold (closed) or first recovered (open); MIN_VALUE when not. */
    public long streakSince = Long.MIN_VALUE;
    /** Scored events in the current streak. */
    public long streakScored;
    /**
     * Event time of the last good model version: the newest when quality was last measured healthy (serving keeps
     * it readable), and the one serving is frozen at while open; MAX_VALUE when there is none.
     */
    public long pinnedTime = Long.MAX_VALUE;
    /** Its version number (for alerts and the gauge). */
    public long pinnedVersion;

    public boolean open;
    /** Times the breaker opened. */
    public long trips;
    /** The newest event time observed: the breaker's clock (events may be scored slightly out of time order). */
    public long clock = Long.MIN_VALUE;

    public QualityBreaker() {}

    public boolean isOpen() {
        return open;
    }

    /** The recall rolling recall must reach: {@code (1 - maxDrop) x baseline}; NaN during warm-up. */
    public double threshold(Settings settings) {
        return (1 - settings.maxDrop) * baseline;
    }

    /**
     * One scored event.
     *
     * @param eventTime its event time
     * @param servedRolling rolling recall of the lists served (frozen ones while open)
     * @param servedWindowFull whether the rolling window is full (else no decision is taken)
     * @param candidateRolling rolling recall of the newest model's lists (only read while open)
     * @param candidateWindowFull whether the candidate's window is full
     * @param newestVersionTime event time of the newest committed model version
     * @param newestVersion its number
     */
    public Transition observe(
            Settings settings,
            long eventTime,
            double servedRolling,
            boolean servedWindowFull,
            double candidateRolling,
            boolean candidateWindowFull,
            long newestVersionTime,
            long newestVersion) {
        if (!settings.enabled) {
            return Transition.NONE;
        }
        scored++;
        clock = Math.max(clock, eventTime);
        long time = clock;
        if (!open) {
            if (!servedWindowFull || scored < settings.minScored) {
                return Transition.NONE; // warming up
            }
            if (Double.isNaN(baseline)) {
                baseline = servedRolling;
                baselineTime = time;
                pin(newestVersionTime, newestVersion);
                return Transition.NONE;
            }
            boolean degraded = servedRolling < threshold(settings);
            if (!degraded) {
                updateBaseline(settings, time, servedRolling);
                streakSince = Long.MIN_VALUE;
                streakScored = 0;
                pin(newestVersionTime, newestVersion); // healthy under the newest version: the last good one
                return Transition.NONE;
            }
            if (streakSince == Long.MIN_VALUE) {
                streakSince = time;
                streakScored = 0;
                if (pinnedTime == Long.MAX_VALUE) {
                    pin(newestVersionTime, newestVersion); // never measured healthy: the newest is all there is
                }
            }
            streakScored++;
            if (held(settings, time)) {
                open = true;
                trips++;
                streakSince = Long.MIN_VALUE;
                streakScored = 0;
                return Transition.OPENED;
            }
            return Transition.NONE;
        }
        boolean recovered = candidateWindowFull && candidateRolling >= threshold(settings);
        if (!recovered) {
            streakSince = Long.MIN_VALUE;
            streakScored = 0;
            return Transition.NONE;
        }
        if (streakSince == Long.MIN_VALUE) {
            streakSince = time;
            streakScored = 0;
        }
        streakScored++;
        if (held(settings, time)) {
            open = false;
            streakSince = Long.MIN_VALUE;
            streakScored = 0;
            pinnedTime = Long.MAX_VALUE; // the next healthy measurement pins the newest version
            pinnedVersion = 0;
            return Transition.CLOSED;
        }
        return Transition.NONE;
    }

    private boolean held(Settings settings, long time) {
        return time - streakSince >= settings.holdMs && streakScored >= settings.minScored;
    }

    private void pin(long versionTime, long version) {
        pinnedTime = versionTime;
        pinnedVersion = version;
    }

    private void updateBaseline(Settings settings, long time, double value) {
        long elapsed = Math.max(0, time - baselineTime);
        double keep = Math.pow(0.5, (double) elapsed / settings.baselineHalfLifeMs);
        baseline = keep * baseline + (1 - keep) * value;
        baselineTime = Math.max(baselineTime, time);
    }
}
