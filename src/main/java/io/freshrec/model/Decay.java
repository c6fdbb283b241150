package io.freshrec.model;

/**
 * Exponential decay by half-life. A value observed at time {@code t0} is worth {@code value *
 * factor(t1 - t0, halfLife)} at {@code t1}; a negative gap scales up, which lets increments that
 * arrive out of order be added exactly, so decayed sums do not depend on arrival order.
 */
public final class Decay {
    private static final double LN2 = Math.log(2.0);

    private Decay() {}

    /** The factor for a gap of {@code dtMs}; 1 when the half-life is not positive (no decay). */
    public static double factor(long dtMs, long halfLifeMs) {
        if (halfLifeMs <= 0 || dtMs == 0) {
            return 1.0;
        }
        return Math.exp(-LN2 * (double) dtMs / (double) halfLifeMs);
    }

    /** {@code factor(dtMs, halfLifeMs)^exponent}, without calling pow. */
    public static double powerFactor(long dtMs, long halfLifeMs, double exponent) {
        if (halfLifeMs <= 0 || dtMs == 0 || exponent == 0) {
            return 1.0;
        }
        return Math.exp(-LN2 * exponent * (double) dtMs / (double) halfLifeMs);
    }

    /** {@code value} observed at {@code from}, seen at {@code to}. */
    public static double at(double value, long from, long to, long halfLifeMs) {
        return value == 0.0 ? 0.0 : value * factor(to - from, halfLifeMs);
    }
}
